-- The 法第7条 items other businesses keep (1.1.1, 7.2.2): each value a system set for a
-- person, with who set it and when; the latest per business is current. Rows are never
-- changed or removed. An API token names the businesses it may set (its scope).
CREATE TABLE business_items (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    person_id  bigint NOT NULL,
    business   text NOT NULL,
    revision   bigint NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, person_id, business, revision)
);
CREATE TRIGGER business_items_append_only BEFORE UPDATE OR DELETE ON business_items
    FOR EACH ROW EXECUTE FUNCTION kikan_append_only();
ALTER TABLE business_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE business_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON business_items USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE api_tokens ADD COLUMN businesses text NOT NULL DEFAULT '[]';
