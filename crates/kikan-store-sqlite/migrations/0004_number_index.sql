-- The 個人番号 is stored sealed (AES-256-GCM) inside the JSON documents; persons carry
-- its blind index (HMAC-SHA256 under a separate key) so that a number can be found.
ALTER TABLE persons ADD COLUMN number_index TEXT;
CREATE INDEX persons_number ON persons (tenant_id, number_index);
