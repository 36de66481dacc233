-- 住所辞書 (1.3.2–1.3.4): the municipality's address master. `data` is the JSON of
-- kikan_domain::address::{Town, AddressNumber, Katagaki}; the other columns are its keys.
-- address_towns: one 町字 per 11-digit 住所コード, with the level names and readings
-- the hierarchical choice and the 住所カナ入力 go by.
CREATE TABLE address_towns (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    code         text NOT NULL,
    registry_id  text,
    pref_name    text NOT NULL,
    city_name    text NOT NULL,
    oaza_name    text NOT NULL,
    small_name   text NOT NULL,
    pref_kana    text NOT NULL,
    city_kana    text NOT NULL,
    county_kana  text NOT NULL,
    postal_code  text,
    abolished_on text,
    data         text NOT NULL,
    PRIMARY KEY (tenant_id, code)
);
CREATE UNIQUE INDEX address_towns_registry ON address_towns (tenant_id, registry_id);
CREATE INDEX address_towns_kana ON address_towns (tenant_id, pref_kana);
CREATE INDEX address_towns_postal ON address_towns (tenant_id, postal_code);
-- 住居表示 (街区・住居) and 地番 of each 町字, their numbers kept as numbers for sorting.
CREATE TABLE address_numbers (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    town_code  text NOT NULL,
    kind       text NOT NULL,
    n1         bigint NOT NULL,
    n2         bigint NOT NULL,
    n3         bigint NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, town_code, kind, n1, n2, n3)
);
-- Japan Post's postal code file (KEN_ALL), replaced whole by each import.
CREATE TABLE postal_codes (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    postal_code text NOT NULL,
    seq         bigint NOT NULL,
    data        text NOT NULL,
    PRIMARY KEY (tenant_id, postal_code, seq)
);
-- 方書 (1.3.4): buildings tied to a 町字 and 番地.
CREATE TABLE katagaki (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    id         bigint NOT NULL,
    town_code  text NOT NULL,
    n1         bigint NOT NULL,
    n2         bigint NOT NULL,
    n3         bigint NOT NULL,
    active     boolean NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX katagaki_place ON katagaki (tenant_id, town_code, n1, n2, n3);
ALTER TABLE address_towns ENABLE ROW LEVEL SECURITY;
ALTER TABLE address_towns FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON address_towns USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE address_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE address_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON address_numbers USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE postal_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE postal_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON postal_codes USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE katagaki ENABLE ROW LEVEL SECURITY;
ALTER TABLE katagaki FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON katagaki USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
