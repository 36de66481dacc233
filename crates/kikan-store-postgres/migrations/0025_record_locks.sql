-- 排他制御 (10.3): a record held for the staff member entering a change of it. One row
-- per subject; `until_at` (Unix seconds) is when it runs out unless renewed.
CREATE TABLE record_locks (
    tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
    subject_kind  text NOT NULL,
    subject_id    bigint NOT NULL,
    holder        text NOT NULL,
    until_at      bigint NOT NULL,
    data          text NOT NULL,
    PRIMARY KEY (tenant_id, subject_kind, subject_id)
);
ALTER TABLE record_locks ENABLE ROW LEVEL SECURITY;
ALTER TABLE record_locks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON record_locks USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
