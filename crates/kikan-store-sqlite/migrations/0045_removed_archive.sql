-- 除票用データベース (9.3, 1.1.5): a 除票 five years after its removal leaves the 住民記録
-- database (persons, person_versions, person_past) for these tables, by a ledger entry
-- (除票用データベースへの移行) the yearly batch records; it comes back by another. The
-- rows are those of persons and person_versions, kept apart: searches, lists and the
-- online work read the 住民記録 database; the 除票 search reads both, this one second.
CREATE TABLE archive_persons (
    tenant_id      TEXT NOT NULL,
    person_id      INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    register       TEXT NOT NULL,
    household_id   INTEGER NOT NULL,
    kana_key       TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    address_line   TEXT NOT NULL,
    juminhyo_code  TEXT,
    data           TEXT NOT NULL,
    number_index   TEXT,
    moving_out_on  TEXT,
    former_key     TEXT,
    card_number    TEXT,
    kana_fuzzy     TEXT,
    given_kana     TEXT,
    given_fuzzy    TEXT,
    given_key      TEXT,
    alias_key      TEXT,
    alias_kana     TEXT,
    sex            TEXT,
    relationship   TEXT,
    removal_reason TEXT,
    address_code   TEXT,
    PRIMARY KEY (tenant_id, person_id)
);
CREATE INDEX archive_persons_kana ON archive_persons (tenant_id, kana_key);
CREATE INDEX archive_persons_fuzzy ON archive_persons (tenant_id, kana_fuzzy);
CREATE INDEX archive_persons_name ON archive_persons (tenant_id, name_key);
CREATE INDEX archive_persons_birth ON archive_persons (tenant_id, birth_date);
CREATE INDEX archive_persons_code ON archive_persons (tenant_id, juminhyo_code);

CREATE TABLE archive_versions (
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
CREATE INDEX archive_versions_seq ON archive_versions (tenant_id, seq);
CREATE INDEX archive_versions_household ON archive_versions (tenant_id, household_id, valid_from);
