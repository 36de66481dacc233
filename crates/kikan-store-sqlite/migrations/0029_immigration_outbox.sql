-- 市町村通知・市町村伝達 (4.5.7): items made from the ledger in its order, kept with their
-- state (未送信, 送信済み, 処理済み, エラー) and batch; the head is the last entry read.
CREATE TABLE immigration_outbox (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    item_id    INTEGER NOT NULL,
    state      TEXT NOT NULL,
    batch      INTEGER,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX immigration_outbox_state ON immigration_outbox (tenant_id, state, item_id);
CREATE TABLE immigration_outbox_heads (
    tenant_id  TEXT NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    seq        INTEGER NOT NULL
);
