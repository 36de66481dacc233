-- 封印: every ledger entry recorded from now on carries a keyed digest (HMAC under the
-- installation's index key) of its number and canonical content; reads and `kikan
-- check` refuse an entry that does not match. Entries recorded before this migration
-- carry none: sealed_from is the first number that must.
ALTER TABLE ledger ADD COLUMN mac text;
ALTER TABLE ledger_heads ADD COLUMN sealed_from bigint NOT NULL DEFAULT 1;
-- The owner sets every tenant's value at once (row security would show it none).
ALTER TABLE ledger_heads NO FORCE ROW LEVEL SECURITY;
UPDATE ledger_heads SET sealed_from = seq + 1;
ALTER TABLE ledger_heads FORCE ROW LEVEL SECURITY;
