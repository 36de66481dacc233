-- 認証者, 電子公印 and fixed phrases of certificates (1.3.7, 1.3.9, 5.6), as documents by
-- kind: `certifier` and `seal` rows by id (seals are never replaced, a newer one of the
-- same kind is used), `phrases` one row.
CREATE TABLE certificate_settings (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    kind       text NOT NULL,
    id         bigint NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, kind, id)
);
ALTER TABLE certificate_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE certificate_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON certificate_settings USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
