-- 統計 (6.1): a period's 異動 are read by their 異動日.
CREATE INDEX ledger_effective ON ledger (tenant_id, effective_on, seq);
