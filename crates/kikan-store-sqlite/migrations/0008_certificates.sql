-- The issuance register (証明書交付簿). `data` is the encrypted record; the columns
-- beside it are what the register is searched by.
CREATE TABLE certificate_serials (
    tenant_id    TEXT PRIMARY KEY REFERENCES tenants (tenant_id),
    last_serial  INTEGER NOT NULL
);
CREATE TABLE certificates (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    serial       INTEGER NOT NULL,
    code         TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    issued_on    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    staff        TEXT NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, serial)
);
CREATE UNIQUE INDEX certificates_code ON certificates (tenant_id, code);
CREATE INDEX certificates_day ON certificates (tenant_id, issued_on, serial);
CREATE TABLE certificate_persons (
    tenant_id    TEXT NOT NULL,
    person_id    INTEGER NOT NULL,
    serial       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, person_id, serial)
);
CREATE TABLE certificate_reprints (
    tenant_id    TEXT NOT NULL,
    serial       INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, serial, n)
);
-- The register is append-only: an issue is never edited or removed.
CREATE TRIGGER certificates_no_update BEFORE UPDATE ON certificates
BEGIN SELECT RAISE(ABORT, 'the issuance register is append-only'); END;
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'the issuance register is append-only'); END;
