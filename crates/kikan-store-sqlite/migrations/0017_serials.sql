-- 宛名番号・世帯番号 (1.1.13): the last serial handed out per municipality and kind. A
-- number is its serial followed by a modulus-11 check digit; numbers given before this
-- table existed stay as they are.
CREATE TABLE number_serials (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    kind         TEXT NOT NULL,
    last_serial  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
