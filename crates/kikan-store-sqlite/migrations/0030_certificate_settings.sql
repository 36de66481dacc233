-- 認証者, 電子公印 and fixed phrases of certificates (1.3.7, 1.3.9, 5.6), as documents by
-- kind: `certifier` and `seal` rows by id (seals are never replaced, a newer one of the
-- same kind is used), `phrases` one row.
CREATE TABLE certificate_settings (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    kind       TEXT NOT NULL,
    id         INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, id)
);
