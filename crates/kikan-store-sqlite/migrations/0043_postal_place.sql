-- 郵便番号 by place (4.1.3.1.2): the 都道府県 and 市区町村 of each postal code line, so
-- that an address received as text (a 転入通知's 転出先住所) finds its code.
ALTER TABLE postal_codes ADD COLUMN place TEXT;
UPDATE postal_codes SET place = json_extract(data, '$.pref') || json_extract(data, '$.city');
CREATE INDEX postal_codes_place ON postal_codes (tenant_id, place);
