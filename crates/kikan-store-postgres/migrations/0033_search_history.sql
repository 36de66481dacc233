-- 検索履歴 (2.1.1): the latest search conditions of each staff member (ID単位), kept to a
-- fixed number, numbered per staff member; `data` is the conditions as encrypted JSON
-- (they hold names and dates).
CREATE TABLE search_history (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    login      text NOT NULL,
    id         bigint NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, login, id)
);
ALTER TABLE search_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON search_history USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
