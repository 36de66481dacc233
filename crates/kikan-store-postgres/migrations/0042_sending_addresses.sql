-- 送付先情報 (7.1.1.4): a 居所 other than the address, set as where the 個人番号カード and
-- the 番号通知書類 are sent (none: the address).
CREATE TABLE sending_addresses (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    person_id  bigint NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);
ALTER TABLE sending_addresses ENABLE ROW LEVEL SECURITY;
ALTER TABLE sending_addresses FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sending_addresses USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
