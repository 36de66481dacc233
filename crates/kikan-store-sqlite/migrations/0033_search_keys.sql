-- 検索 (2.1.2, 2.1.3): the あいまい検索 key of the reading, the 名 alone (reading, exact and
-- あいまい, and as written), the 通称 and its reading, 性別, 続柄 and 消除事由. Rows written
-- before this version are filled in by the store when it opens (the keys are computed
-- in Rust), so these columns are NULL only until then.
ALTER TABLE persons ADD COLUMN kana_fuzzy TEXT;
ALTER TABLE persons ADD COLUMN given_kana TEXT;
ALTER TABLE persons ADD COLUMN given_fuzzy TEXT;
ALTER TABLE persons ADD COLUMN given_key TEXT;
ALTER TABLE persons ADD COLUMN alias_key TEXT;
ALTER TABLE persons ADD COLUMN alias_kana TEXT;
ALTER TABLE persons ADD COLUMN sex TEXT;
ALTER TABLE persons ADD COLUMN relationship TEXT;
ALTER TABLE persons ADD COLUMN removal_reason TEXT;
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
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    person_id  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, key, person_id)
);
CREATE INDEX person_past_person ON person_past (tenant_id, person_id);
