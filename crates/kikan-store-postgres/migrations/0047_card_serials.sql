-- コンビニ交付 (7.2.5): the 利用者証明用電子証明書のシリアル番号 a person's card items carry
-- (7.1.2.4), kept for lookup, since the 証明書交付センター names the card by it. One row per
-- card record that carried one (rows are never changed: the person's latest card record
-- decides whether the serial is still theirs).
CREATE TABLE card_serials (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    serial     text COLLATE "C" NOT NULL,
    person_id  bigint NOT NULL,
    revision   bigint NOT NULL,
    PRIMARY KEY (tenant_id, serial, person_id, revision)
);
CREATE TRIGGER card_serials_append_only BEFORE UPDATE ON card_serials
    FOR EACH ROW EXECUTE FUNCTION kikan_append_only();
ALTER TABLE card_serials ENABLE ROW LEVEL SECURITY;
ALTER TABLE card_serials FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON card_serials USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
INSERT INTO card_serials (tenant_id, serial, person_id, revision)
    SELECT tenant_id, data::jsonb -> 'items' ->> 'certificate_serial', person_id, revision
    FROM business_items
    WHERE business = 'card' AND data::jsonb -> 'items' ->> 'certificate_serial' IS NOT NULL;
