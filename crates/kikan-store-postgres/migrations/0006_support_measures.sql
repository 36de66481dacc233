-- 支援措置 (DB C): the measures, and the persons each protects (for the lookup on
-- every view of a person).
CREATE TABLE support_measures (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    measure_id   bigint NOT NULL,
    version      bigint NOT NULL,
    data         text NOT NULL,
    PRIMARY KEY (tenant_id, measure_id)
);
CREATE TABLE support_persons (
    tenant_id    text NOT NULL,
    person_id    bigint NOT NULL,
    measure_id   bigint NOT NULL,
    PRIMARY KEY (tenant_id, person_id, measure_id)
);
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['support_measures', 'support_persons']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true)) '
            'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END LOOP;
END $$;
