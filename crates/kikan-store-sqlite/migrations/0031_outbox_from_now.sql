-- A database from before 市町村通知・市町村伝達 (4.5.7): the entries it already holds were
-- notified by whatever ran before; items are made from the next entry on.
INSERT INTO immigration_outbox_heads (tenant_id, seq)
SELECT tenant_id, seq FROM ledger_heads WHERE true
ON CONFLICT (tenant_id) DO NOTHING;
