-- Messages other municipalities sent through the CS (転出証明書情報, 転入通知), kept
-- once each (their sender and number), with what became of them.
CREATE TABLE cs_inbox (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    msg_key    text NOT NULL,
    kind       text NOT NULL,
    state      text NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, msg_key)
);
CREATE INDEX cs_inbox_state ON cs_inbox (tenant_id, state);
ALTER TABLE cs_inbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE cs_inbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cs_inbox USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
