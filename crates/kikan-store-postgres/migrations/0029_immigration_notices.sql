-- 出入国在留管理庁長官通知 (4.5.6): notices read from a file, pending until staff apply
-- them (a ledger entry) or set them aside.
CREATE TABLE immigration_notices (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    notice_id  bigint NOT NULL,
    pending    boolean NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, notice_id)
);
CREATE INDEX immigration_notices_pending ON immigration_notices (tenant_id, pending, notice_id);
ALTER TABLE immigration_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE immigration_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON immigration_notices USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
