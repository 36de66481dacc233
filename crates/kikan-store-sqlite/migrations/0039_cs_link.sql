-- 住基ネット (CS) 連携 (7.1.1.1): items made from the ledger in its order, kept with
-- their state; the head is the last entry read. A database from before starts at its
-- current head (what it holds reached the CS by whatever ran before).
CREATE TABLE cs_outbox (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    item_id    INTEGER NOT NULL,
    person_id  INTEGER NOT NULL,
    state      TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX cs_outbox_state ON cs_outbox (tenant_id, state, item_id);
CREATE INDEX cs_outbox_person ON cs_outbox (tenant_id, person_id, item_id);
CREATE TABLE cs_outbox_heads (
    tenant_id  TEXT NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    seq        INTEGER NOT NULL
);
INSERT INTO cs_outbox_heads (tenant_id, seq) SELECT tenant_id, seq FROM ledger_heads;
-- 住基ネット統一文字 conversion table: a character (with its variation selector) to its code.
CREATE TABLE cs_chars (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    chars      TEXT NOT NULL,
    code       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, chars)
);
-- The link's settings (manual mode, the 住民票コード alert level).
CREATE TABLE cs_settings (
    tenant_id  TEXT NOT NULL PRIMARY KEY REFERENCES tenants (tenant_id),
    data       TEXT NOT NULL
);
-- 住民票コードの空きコード (4.3.1) received from the CS; taken at random.
CREATE TABLE juminhyo_code_pool (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    code       TEXT NOT NULL,
    taken_by   INTEGER,
    PRIMARY KEY (tenant_id, code)
);
CREATE INDEX juminhyo_code_pool_free ON juminhyo_code_pool (tenant_id, taken_by);
