-- Row-level security per tenant: a second wall behind the application's checks.
-- Every statement of the store runs in a transaction that sets app.tenant_id
-- (set_config(..., true)); the policies let it see and write that tenant's rows only.
-- FORCE applies the policies to the tables' owner too; run the application as a role
-- without BYPASSRLS and not a superuser (superusers always bypass row security).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['ledger', 'persons', 'households', 'person_versions', 'household_versions',
                             'staff', 'sessions', 'api_tokens', 'audit', 'audit_persons', 'audit_heads']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true)) '
            'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END LOOP;
END $$;
