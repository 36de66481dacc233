-- kikan registry schema, PostgreSQL. Every primary key starts with tenant_id, so each
-- table can be distributed by tenant_id on Citus unchanged.

CREATE TABLE tenants (
    tenant_id   text PRIMARY KEY,
    name        text NOT NULL,
    mayor       text NOT NULL,
    created_at  timestamptz NOT NULL,
    ledger_seq  bigint NOT NULL DEFAULT 0
);

-- The ledger: append-only; the projections below are rebuilt from it.
CREATE TABLE ledger (
    tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
    seq           bigint NOT NULL,
    reason        text NOT NULL,
    effective_on  date NOT NULL,
    notified_on   date NOT NULL,
    recorded_at   timestamptz NOT NULL,
    operator      text NOT NULL,
    late          boolean NOT NULL,
    entry         jsonb NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE FUNCTION kikan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION kikan_append_only();

-- Projection: every person's current record; register A (住民票) or B (除票).
-- Keys compare by code point ("C"), so a prefix search is a range scan.
CREATE TABLE persons (
    tenant_id      text NOT NULL,
    person_id      bigint NOT NULL,
    version        bigint NOT NULL,
    register       char(1) NOT NULL CHECK (register IN ('A', 'B')),
    household_id   bigint NOT NULL,
    kana_key       text COLLATE "C" NOT NULL,
    name_key       text COLLATE "C" NOT NULL,
    birth_date     date NOT NULL,
    address_line   text NOT NULL,
    juminhyo_code  text,
    data           jsonb NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);
CREATE INDEX persons_kana ON persons (tenant_id, kana_key);
CREATE INDEX persons_name ON persons (tenant_id, name_key);
CREATE INDEX persons_birth ON persons (tenant_id, birth_date);
CREATE INDEX persons_code ON persons (tenant_id, juminhyo_code);
CREATE INDEX persons_household ON persons (tenant_id, household_id);

CREATE TABLE households (
    tenant_id     text NOT NULL,
    household_id  bigint NOT NULL,
    version       bigint NOT NULL,
    dissolved     boolean NOT NULL,
    data          jsonb NOT NULL,
    PRIMARY KEY (tenant_id, household_id)
);

-- Projection: each person's snapshot after each entry, valid from its 異動日.
CREATE TABLE person_versions (
    tenant_id     text NOT NULL,
    person_id     bigint NOT NULL,
    seq           bigint NOT NULL,
    valid_from    date NOT NULL,
    valid_to      date,
    register      char(1) NOT NULL,
    household_id  bigint NOT NULL,
    data          jsonb NOT NULL,
    PRIMARY KEY (tenant_id, person_id, seq)
);
CREATE INDEX person_versions_household ON person_versions (tenant_id, household_id, valid_from);
CREATE INDEX person_versions_seq ON person_versions (tenant_id, seq);

CREATE TABLE household_versions (
    tenant_id     text NOT NULL,
    household_id  bigint NOT NULL,
    seq           bigint NOT NULL,
    valid_from    date NOT NULL,
    data          jsonb NOT NULL,
    PRIMARY KEY (tenant_id, household_id, seq)
);
CREATE INDEX household_versions_seq ON household_versions (tenant_id, seq);
