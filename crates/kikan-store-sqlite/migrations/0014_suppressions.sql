-- 異動・発行・照会抑止 (3.1): holds on the processing of a person or a household. The
-- subject columns serve the lookup on every view and change; the document is the rest.
CREATE TABLE suppressions (
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    suppression_id  INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    subject_kind    TEXT NOT NULL,
    subject_id      INTEGER NOT NULL,
    data            TEXT NOT NULL,
    PRIMARY KEY (tenant_id, suppression_id)
);
CREATE INDEX suppressions_subject ON suppressions (tenant_id, subject_kind, subject_id);
