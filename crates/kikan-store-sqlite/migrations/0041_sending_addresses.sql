-- 送付先情報 (7.1.1.4): a 居所 other than the address, set as where the 個人番号カード and
-- the 番号通知書類 are sent (none: the address).
CREATE TABLE sending_addresses (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    person_id  INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);
