-- The issuance register (証明書交付簿). `data` is the encrypted record; the columns
-- beside it are what the register is searched by.
CREATE TABLE certificate_serials (
    tenant_id    text PRIMARY KEY REFERENCES tenants (tenant_id),
    last_serial  bigint NOT NULL
);
CREATE TABLE certificates (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    serial       bigint NOT NULL,
    code         text NOT NULL,
    issued_at    timestamptz NOT NULL,
    issued_on    date NOT NULL,
    kind         text NOT NULL,
    staff        text NOT NULL,
    data         text NOT NULL,
    PRIMARY KEY (tenant_id, serial)
);
CREATE UNIQUE INDEX certificates_code ON certificates (tenant_id, code);
CREATE INDEX certificates_day ON certificates (tenant_id, issued_on, serial);
CREATE TABLE certificate_persons (
    tenant_id    text NOT NULL,
    person_id    bigint NOT NULL,
    serial       bigint NOT NULL,
    PRIMARY KEY (tenant_id, person_id, serial)
);
CREATE TABLE certificate_reprints (
    tenant_id    text NOT NULL,
    serial       bigint NOT NULL,
    n            integer NOT NULL,
    data         text NOT NULL,
    PRIMARY KEY (tenant_id, serial, n)
);
-- The register is append-only: an issue is never edited or removed.
CREATE TRIGGER certificates_no_change BEFORE UPDATE OR DELETE ON certificates
    FOR EACH ROW EXECUTE FUNCTION kikan_append_only();
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['certificate_serials', 'certificates', 'certificate_persons',
                             'certificate_reprints'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true)) WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END LOOP;
END $$;
