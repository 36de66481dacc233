-- 住所辞書 (1.3.2–1.3.4): the municipality's address master. `data` is the JSON of
-- kikan_domain::address::{Town, AddressNumber, Katagaki}; the other columns are its keys.
-- address_towns: one 町字 per 11-digit 住所コード, with the level names and readings
-- the hierarchical choice and the 住所カナ入力 go by.
CREATE TABLE address_towns (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    code         TEXT NOT NULL,
    registry_id  TEXT,
    pref_name    TEXT NOT NULL,
    city_name    TEXT NOT NULL,
    oaza_name    TEXT NOT NULL,
    small_name   TEXT NOT NULL,
    pref_kana    TEXT NOT NULL,
    city_kana    TEXT NOT NULL,
    county_kana  TEXT NOT NULL,
    postal_code  TEXT,
    abolished_on TEXT,
    data         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, code)
);
CREATE UNIQUE INDEX address_towns_registry ON address_towns (tenant_id, registry_id);
CREATE INDEX address_towns_kana ON address_towns (tenant_id, pref_kana);
CREATE INDEX address_towns_postal ON address_towns (tenant_id, postal_code);
-- 住居表示 (街区・住居) and 地番 of each 町字, their numbers kept as numbers for sorting.
CREATE TABLE address_numbers (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    town_code  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    n1         INTEGER NOT NULL,
    n2         INTEGER NOT NULL,
    n3         INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, town_code, kind, n1, n2, n3)
);
-- Japan Post's postal code file (KEN_ALL), replaced whole by each import.
CREATE TABLE postal_codes (
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    postal_code TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, postal_code, seq)
);
-- 方書 (1.3.4): buildings tied to a 町字 and 番地.
CREATE TABLE katagaki (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    id         INTEGER NOT NULL,
    town_code  TEXT NOT NULL,
    n1         INTEGER NOT NULL,
    n2         INTEGER NOT NULL,
    n3         INTEGER NOT NULL,
    active     INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX katagaki_place ON katagaki (tenant_id, town_code, n1, n2, n3);
