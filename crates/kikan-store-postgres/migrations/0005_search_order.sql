-- Search lists are ordered by the key searched, then by person id: with the id in the
-- index, the first page of hits comes in order from the index (no sort of a common
-- surname's every match).
DROP INDEX persons_kana;
DROP INDEX persons_name;
CREATE INDEX persons_kana ON persons (tenant_id, kana_key, person_id);
CREATE INDEX persons_name ON persons (tenant_id, name_key, person_id);
