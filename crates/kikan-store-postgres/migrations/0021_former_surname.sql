-- 旧氏 (1.1.7) as a search key (2.1.3): its kanji key beside the name's.
ALTER TABLE persons ADD COLUMN former_key text COLLATE "C";
CREATE INDEX persons_former ON persons (tenant_id, former_key) WHERE former_key IS NOT NULL;
