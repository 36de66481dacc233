-- コンビニ交付 (7.2.5): the 利用者証明用電子証明書のシリアル番号 a person's card items carry
-- (7.1.2.4), kept for lookup, since the 証明書交付センター names the card by it. One row per
-- card record that carried one (rows are never changed: the person's latest card record
-- decides whether the serial is still theirs).
CREATE TABLE card_serials (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    serial     TEXT NOT NULL,
    person_id  INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, serial, person_id, revision)
);
CREATE TRIGGER card_serials_no_update BEFORE UPDATE ON card_serials
    BEGIN SELECT RAISE(ABORT, 'card serials are append-only'); END;
INSERT INTO card_serials (tenant_id, serial, person_id, revision)
    SELECT tenant_id, json_extract(data, '$.items.certificate_serial'), person_id, revision
    FROM business_items
    WHERE business = 'card' AND json_extract(data, '$.items.certificate_serial') IS NOT NULL;
