-- 出入国在留管理庁長官通知 (4.5.6): notices read from a file, pending until staff apply
-- them (a ledger entry) or set them aside.
CREATE TABLE immigration_notices (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    notice_id  INTEGER NOT NULL,
    pending    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, notice_id)
);
CREATE INDEX immigration_notices_pending ON immigration_notices (tenant_id, pending, notice_id);
