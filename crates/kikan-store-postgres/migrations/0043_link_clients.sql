-- 庁内データ連携 (7.1.2.3, 7.2.x): the business systems let in with OAuth 2.0 client
-- credentials (their data sealed: it holds the client's secret), and the short-lived
-- access tokens they were given (hashes only; the assertion's jti, used once).
CREATE TABLE link_clients (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    client_id  text NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, client_id)
);
CREATE TABLE link_tokens (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    token_hash  text NOT NULL,
    client_id   text NOT NULL,
    jti         text,
    scopes      text NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, token_hash)
);
CREATE UNIQUE INDEX link_tokens_jti ON link_tokens (tenant_id, client_id, jti);
ALTER TABLE link_clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE link_clients FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON link_clients USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE link_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE link_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON link_tokens USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
