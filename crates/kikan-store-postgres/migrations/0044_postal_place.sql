-- 郵便番号 by place (4.1.3.1.2): the 都道府県 and 市区町村 of each postal code line, so
-- that an address received as text (a 転入通知's 転出先住所) finds its code.
ALTER TABLE postal_codes ADD COLUMN place text;
UPDATE postal_codes SET place = (data::jsonb ->> 'pref') || (data::jsonb ->> 'city');
CREATE INDEX postal_codes_place ON postal_codes (tenant_id, place);
