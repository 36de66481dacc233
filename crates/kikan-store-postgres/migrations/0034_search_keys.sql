-- 検索 (2.1.2, 2.1.3): the あいまい検索 key of the reading, the 名 alone (reading, exact and
-- あいまい, and as written), the 通称 and its reading, 性別, 続柄 and 消除事由. Rows written
-- before this version are filled in by the store when it opens (the keys are computed
-- in Rust), so these columns are NULL only until then.
ALTER TABLE persons ADD COLUMN kana_fuzzy text COLLATE "C";
ALTER TABLE persons ADD COLUMN given_kana text COLLATE "C";
ALTER TABLE persons ADD COLUMN given_fuzzy text COLLATE "C";
ALTER TABLE persons ADD COLUMN given_key text COLLATE "C";
ALTER TABLE persons ADD COLUMN alias_key text COLLATE "C";
ALTER TABLE persons ADD COLUMN alias_kana text COLLATE "C";
ALTER TABLE persons ADD COLUMN sex text;
ALTER TABLE persons ADD COLUMN relationship text;
ALTER TABLE persons ADD COLUMN removal_reason text;
CREATE INDEX persons_kana_fuzzy ON persons (tenant_id, kana_fuzzy);
CREATE INDEX persons_given_kana ON persons (tenant_id, given_kana);
CREATE INDEX persons_given_fuzzy ON persons (tenant_id, given_fuzzy);
CREATE INDEX persons_given_key ON persons (tenant_id, given_key);
CREATE INDEX persons_alias ON persons (tenant_id, alias_key) WHERE alias_key IS NOT NULL;
CREATE INDEX persons_unfilled ON persons (tenant_id, person_id) WHERE kana_fuzzy IS NULL;

-- The names, readings, 旧氏, 通称 and addresses a person held before (2.1.3: 氏名及び住所
-- の検索は、過去のものも横断的に検索できること): one row per key a version had and a later
-- one did not, written with the change that replaced it.
CREATE TABLE person_past (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    kind       text NOT NULL,
    key        text COLLATE "C" NOT NULL,
    person_id  bigint NOT NULL,
    PRIMARY KEY (tenant_id, kind, key, person_id)
);
CREATE INDEX person_past_person ON person_past (tenant_id, person_id);
ALTER TABLE person_past ENABLE ROW LEVEL SECURITY;
ALTER TABLE person_past FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON person_past USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
