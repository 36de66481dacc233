-- 異動・発行・照会抑止 (3.1): holds on the processing of a person or a household. The
-- subject columns serve the lookup on every view and change; the document is the rest.
CREATE TABLE suppressions (
    tenant_id       text NOT NULL REFERENCES tenants (tenant_id),
    suppression_id  bigint NOT NULL,
    version         bigint NOT NULL,
    subject_kind    text NOT NULL,
    subject_id      bigint NOT NULL,
    data            text NOT NULL,
    PRIMARY KEY (tenant_id, suppression_id)
);
CREATE INDEX suppressions_subject ON suppressions (tenant_id, subject_kind, subject_id);
ALTER TABLE suppressions ENABLE ROW LEVEL SECURITY;
ALTER TABLE suppressions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON suppressions USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
