-- 在留カード等番号 as a key: a 転入 whose card matches a 除票 is that 再転入者 (4.1.1.2).
ALTER TABLE persons ADD COLUMN card_number TEXT;
UPDATE persons SET card_number = upper(replace(trim(json_extract(data, '$.foreign.card_number')), ' ', ''))
 WHERE json_extract(data, '$.foreign.card_number') IS NOT NULL;
CREATE INDEX persons_card ON persons (tenant_id, card_number) WHERE card_number IS NOT NULL;
