-- 入力場所・入力端末 (1.3.1): the places where the registry is used and their terminals.
CREATE TABLE places (
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    place_code  TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, place_code)
);
CREATE TABLE terminals (
    tenant_id      TEXT NOT NULL REFERENCES tenants (tenant_id),
    terminal_code  TEXT NOT NULL,
    data           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, terminal_code)
);
