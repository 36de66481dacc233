-- 庁内データ連携 (7.1.2.3, 7.2.x): the business systems let in with OAuth 2.0 client
-- credentials (their data sealed: it holds the client's secret), and the short-lived
-- access tokens they were given (hashes only; the assertion's jti, used once).
CREATE TABLE link_clients (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    client_id  TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, client_id)
);
CREATE TABLE link_tokens (
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    token_hash  TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    jti         TEXT,
    scopes      TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, token_hash)
);
CREATE UNIQUE INDEX link_tokens_jti ON link_tokens (tenant_id, client_id, jti);
