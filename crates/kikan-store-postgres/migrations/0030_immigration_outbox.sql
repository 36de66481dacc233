-- 市町村通知・市町村伝達 (4.5.7): items made from the ledger in its order, kept with their
-- state (未送信, 送信済み, 処理済み, エラー) and batch; the head is the last entry read.
CREATE TABLE immigration_outbox (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    item_id    bigint NOT NULL,
    state      text NOT NULL,
    batch      bigint,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX immigration_outbox_state ON immigration_outbox (tenant_id, state, item_id);
CREATE TABLE immigration_outbox_heads (
    tenant_id  text NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    seq        bigint NOT NULL
);
ALTER TABLE immigration_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE immigration_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON immigration_outbox USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE immigration_outbox_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE immigration_outbox_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON immigration_outbox_heads USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
