-- 国名 (1.3.3): the country list the 住所辞書 keeps for 国籍・地域 and addresses abroad,
-- updated yearly by import; `data` is the JSON of kikan_domain::address::Country.
CREATE TABLE countries (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    code       text NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, code)
);
ALTER TABLE countries ENABLE ROW LEVEL SECURITY;
ALTER TABLE countries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON countries USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
