-- A municipality's identity provider for staff sign-in (OIDC); the client secret is
-- encrypted by the application.
CREATE TABLE oidc_providers (
    tenant_id      text NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    issuer         text NOT NULL,
    client_id      text NOT NULL,
    client_secret  text NOT NULL,
    redirect_url   text NOT NULL
);
ALTER TABLE oidc_providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_providers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oidc_providers USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
