-- 二要素認証 by IC card or biometrics (10.3): each staff member's security keys
-- (WebAuthn credentials: a FIDO2 IC card or key with its PIN, or a fingerprint or face
-- reader). `data` is the credential as the relying party keeps it (public key, counter),
-- sealed like the rest; no secret of the key ever leaves it.
CREATE TABLE staff_keys (
    tenant_id      TEXT NOT NULL REFERENCES tenants (tenant_id),
    credential_id  TEXT NOT NULL,
    staff_id       INTEGER NOT NULL,
    name           TEXT NOT NULL,
    data           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    last_used_at   TEXT,
    PRIMARY KEY (tenant_id, credential_id)
);
CREATE INDEX staff_keys_staff ON staff_keys (tenant_id, staff_id);
