-- kikan registry schema, SQLite. Every primary key starts with tenant_id.

CREATE TABLE tenants (
    tenant_id   TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    mayor       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The ledger: append-only; the projections below are rebuilt from it.
CREATE TABLE ledger (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    seq           INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    effective_on  TEXT NOT NULL,
    notified_on   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    operator      TEXT NOT NULL,
    late          INTEGER NOT NULL,
    entry         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

-- Projection: every person's current record; register A (住民票) or B (除票).
CREATE TABLE persons (
    tenant_id      TEXT NOT NULL,
    person_id      INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    register       TEXT NOT NULL CHECK (register IN ('A', 'B')),
    household_id   INTEGER NOT NULL,
    kana_key       TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    address_line   TEXT NOT NULL,
    juminhyo_code  TEXT,
    data           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);
CREATE INDEX persons_kana ON persons (tenant_id, kana_key);
CREATE INDEX persons_name ON persons (tenant_id, name_key);
CREATE INDEX persons_birth ON persons (tenant_id, birth_date);
CREATE INDEX persons_code ON persons (tenant_id, juminhyo_code);
CREATE INDEX persons_household ON persons (tenant_id, household_id);

CREATE TABLE households (
    tenant_id     TEXT NOT NULL,
    household_id  INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    dissolved     INTEGER NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, household_id)
);

-- Projection: each person's snapshot after each entry, valid from its 異動日.
CREATE TABLE person_versions (
    tenant_id     TEXT NOT NULL,
    person_id     INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT,
    register      TEXT NOT NULL,
    household_id  INTEGER NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, person_id, seq)
);
CREATE INDEX person_versions_household ON person_versions (tenant_id, household_id, valid_from);
CREATE INDEX person_versions_seq ON person_versions (tenant_id, seq);

CREATE TABLE household_versions (
    tenant_id     TEXT NOT NULL,
    household_id  INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    valid_from    TEXT NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, household_id, seq)
);
CREATE INDEX household_versions_seq ON household_versions (tenant_id, seq);
