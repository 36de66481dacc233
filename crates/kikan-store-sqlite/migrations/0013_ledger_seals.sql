-- 封印: every ledger entry recorded from now on carries a keyed digest (HMAC under the
-- installation's index key) of its number and canonical content; reads and `kikan
-- check` refuse an entry that does not match. Entries recorded before this migration
-- carry none: sealed_from is the first number that must.
ALTER TABLE ledger ADD COLUMN mac TEXT;
ALTER TABLE ledger_heads ADD COLUMN sealed_from INTEGER NOT NULL DEFAULT 1;
UPDATE ledger_heads SET sealed_from = seq + 1;
