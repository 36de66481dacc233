-- 検索 (2.1.3) by 住所コード: the code of a person's address when it was taken from the
-- 住所辞書 (NULL for an address written as free text, and for every address written
-- before this version: those carry no code).
ALTER TABLE persons ADD COLUMN address_code TEXT;
CREATE INDEX persons_address_code ON persons (tenant_id, address_code) WHERE address_code IS NOT NULL;
