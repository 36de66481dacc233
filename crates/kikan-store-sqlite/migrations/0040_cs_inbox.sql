-- Messages other municipalities sent through the CS (転出証明書情報, 転入通知), kept
-- once each (their sender and number), with what became of them.
CREATE TABLE cs_inbox (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    msg_key    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, msg_key)
);
CREATE INDEX cs_inbox_state ON cs_inbox (tenant_id, state);
