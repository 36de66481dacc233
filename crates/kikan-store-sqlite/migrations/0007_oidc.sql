-- A municipality's identity provider for staff sign-in (OIDC); the client secret is
-- encrypted by the application.
CREATE TABLE oidc_providers (
    tenant_id      TEXT NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    issuer         TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL,
    redirect_url   TEXT NOT NULL
);
