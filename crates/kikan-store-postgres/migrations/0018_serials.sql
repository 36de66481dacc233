-- 宛名番号・世帯番号 (1.1.13): the last serial handed out per municipality and kind. A
-- number is its serial followed by a modulus-11 check digit; numbers given before this
-- table existed stay as they are.
CREATE TABLE number_serials (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    kind         text NOT NULL,
    last_serial  bigint NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
ALTER TABLE number_serials ENABLE ROW LEVEL SECURITY;
ALTER TABLE number_serials FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON number_serials
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
