-- The 法第7条 items other businesses keep (1.1.1, 7.2.2): each value a system set for a
-- person, with who set it and when; the latest per business is current. Rows are never
-- changed or removed. An API token names the businesses it may set (its scope).
CREATE TABLE business_items (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    person_id  INTEGER NOT NULL,
    business   TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, person_id, business, revision)
);
CREATE TRIGGER business_items_no_update BEFORE UPDATE ON business_items
    BEGIN SELECT RAISE(ABORT, 'business items are append-only'); END;
CREATE TRIGGER business_items_no_delete BEFORE DELETE ON business_items
    BEGIN SELECT RAISE(ABORT, 'business items are append-only'); END;
ALTER TABLE api_tokens ADD COLUMN businesses TEXT NOT NULL DEFAULT '[]';
