-- 入力場所・入力端末 (1.3.1): the places where the registry is used and their terminals.
CREATE TABLE places (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    place_code  text NOT NULL,
    data        text NOT NULL,
    PRIMARY KEY (tenant_id, place_code)
);
CREATE TABLE terminals (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    terminal_code  text NOT NULL,
    data           text NOT NULL,
    PRIMARY KEY (tenant_id, terminal_code)
);
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['places', 'terminals']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true)) '
            'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END LOOP;
END $$;
