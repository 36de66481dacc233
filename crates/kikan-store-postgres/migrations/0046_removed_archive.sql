-- 除票用データベース (9.3, 1.1.5): a 除票 five years after its removal leaves the 住民記録
-- database (persons, person_versions, person_past) for these tables, by a ledger entry
-- (除票用データベースへの移行) the yearly batch records; it comes back by another. The
-- rows are those of persons and person_versions, kept apart: searches, lists and the
-- online work read the 住民記録 database; the 除票 search reads both, this one second.
CREATE TABLE archive_persons (
    tenant_id      text NOT NULL,
    person_id      bigint NOT NULL,
    version        bigint NOT NULL,
    register       char(1) NOT NULL,
    household_id   bigint NOT NULL,
    kana_key       text COLLATE "C" NOT NULL,
    name_key       text COLLATE "C" NOT NULL,
    birth_date     date NOT NULL,
    address_line   text NOT NULL,
    juminhyo_code  text,
    data           jsonb NOT NULL,
    number_index   text,
    moving_out_on  date,
    former_key     text COLLATE "C",
    card_number    text COLLATE "C",
    kana_fuzzy     text COLLATE "C",
    given_kana     text COLLATE "C",
    given_fuzzy    text COLLATE "C",
    given_key      text COLLATE "C",
    alias_key      text COLLATE "C",
    alias_kana     text COLLATE "C",
    sex            text,
    relationship   text,
    removal_reason text,
    address_code   text,
    PRIMARY KEY (tenant_id, person_id)
);
CREATE INDEX archive_persons_kana ON archive_persons (tenant_id, kana_key);
CREATE INDEX archive_persons_fuzzy ON archive_persons (tenant_id, kana_fuzzy);
CREATE INDEX archive_persons_name ON archive_persons (tenant_id, name_key);
CREATE INDEX archive_persons_birth ON archive_persons (tenant_id, birth_date);
CREATE INDEX archive_persons_code ON archive_persons (tenant_id, juminhyo_code);

CREATE TABLE archive_versions (
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
CREATE INDEX archive_versions_seq ON archive_versions (tenant_id, seq);
CREATE INDEX archive_versions_household ON archive_versions (tenant_id, household_id, valid_from);
ALTER TABLE archive_persons ENABLE ROW LEVEL SECURITY;
ALTER TABLE archive_persons FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON archive_persons USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE archive_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE archive_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON archive_versions USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
