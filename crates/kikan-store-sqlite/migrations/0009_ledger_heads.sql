-- The ledger's counter per tenant, beside the ledger (as audit_heads is beside the
-- audit log): both engines number a tenant's entries the same way.
CREATE TABLE ledger_heads (
    tenant_id  TEXT PRIMARY KEY NOT NULL,
    seq        INTEGER NOT NULL
);
INSERT INTO ledger_heads (tenant_id, seq) SELECT tenant_id, MAX(seq) FROM ledger GROUP BY tenant_id;
