-- 二要素認証 by IC card or biometrics (10.3): each staff member's security keys
-- (WebAuthn credentials: a FIDO2 IC card or key with its PIN, or a fingerprint or face
-- reader). `data` is the credential as the relying party keeps it (public key, counter),
-- sealed like the rest; no secret of the key ever leaves it.
CREATE TABLE staff_keys (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    credential_id  text NOT NULL,
    staff_id       bigint NOT NULL,
    name           text NOT NULL,
    data           text NOT NULL,
    created_at     timestamptz NOT NULL,
    last_used_at   timestamptz,
    PRIMARY KEY (tenant_id, credential_id)
);
CREATE INDEX staff_keys_staff ON staff_keys (tenant_id, staff_id);
ALTER TABLE staff_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff_keys USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
