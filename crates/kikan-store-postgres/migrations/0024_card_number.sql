-- 在留カード等番号 as a key: a 転入 whose card matches a 除票 is that 再転入者 (4.1.1.2).
ALTER TABLE persons ADD COLUMN card_number text COLLATE "C";
-- The owner fills every tenant's rows at once (row security would show it none).
ALTER TABLE persons NO FORCE ROW LEVEL SECURITY;
UPDATE persons SET card_number = upper(replace(trim(data -> 'foreign' ->> 'card_number'), ' ', ''))
 WHERE data -> 'foreign' ->> 'card_number' IS NOT NULL;
ALTER TABLE persons FORCE ROW LEVEL SECURITY;
CREATE INDEX persons_card ON persons (tenant_id, card_number) WHERE card_number IS NOT NULL;
