-- The ledger's counter moves off `tenants` (a reference table on Citus, where a row
-- lock is cluster-wide) into a table distributed by tenant like the ledger.
CREATE TABLE ledger_heads (
    tenant_id  text PRIMARY KEY,
    seq        bigint NOT NULL
);
INSERT INTO ledger_heads (tenant_id, seq) SELECT tenant_id, ledger_seq FROM tenants WHERE ledger_seq > 0;
ALTER TABLE tenants DROP COLUMN ledger_seq;
ALTER TABLE ledger_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ledger_heads USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
