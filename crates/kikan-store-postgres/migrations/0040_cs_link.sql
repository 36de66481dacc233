-- 住基ネット (CS) 連携 (7.1.1.1): items made from the ledger in its order, kept with
-- their state; the head is the last entry read. A database from before starts at its
-- current head (what it holds reached the CS by whatever ran before).
CREATE TABLE cs_outbox (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    item_id    bigint NOT NULL,
    person_id  bigint NOT NULL,
    state      text NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX cs_outbox_state ON cs_outbox (tenant_id, state, item_id);
CREATE INDEX cs_outbox_person ON cs_outbox (tenant_id, person_id, item_id);
CREATE TABLE cs_outbox_heads (
    tenant_id  text NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    seq        bigint NOT NULL
);
INSERT INTO cs_outbox_heads (tenant_id, seq) SELECT tenant_id, seq FROM ledger_heads;
-- 住基ネット統一文字 conversion table: a character (with its variation selector) to its code.
CREATE TABLE cs_chars (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    chars      text NOT NULL,
    code       integer NOT NULL,
    PRIMARY KEY (tenant_id, chars)
);
-- The link's settings (manual mode, the 住民票コード alert level).
CREATE TABLE cs_settings (
    tenant_id  text NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    data       text NOT NULL
);
-- 住民票コードの空きコード (4.3.1) received from the CS; taken at random.
CREATE TABLE juminhyo_code_pool (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    code       text NOT NULL,
    taken_by   bigint,
    PRIMARY KEY (tenant_id, code)
);
CREATE INDEX juminhyo_code_pool_free ON juminhyo_code_pool (tenant_id, taken_by);
ALTER TABLE cs_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE cs_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cs_outbox USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE cs_outbox_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE cs_outbox_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cs_outbox_heads USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE cs_chars ENABLE ROW LEVEL SECURITY;
ALTER TABLE cs_chars FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cs_chars USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE cs_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE cs_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cs_settings USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE juminhyo_code_pool ENABLE ROW LEVEL SECURITY;
ALTER TABLE juminhyo_code_pool FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON juminhyo_code_pool USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
