-- 排他制御 (10.3): a record held for the staff member entering a change of it. One row
-- per subject; `until_at` (Unix seconds) is when it runs out unless renewed.
CREATE TABLE record_locks (
    tenant_id     TEXT NOT NULL REFERENCES tenants (tenant_id),
    subject_kind  TEXT NOT NULL,
    subject_id    INTEGER NOT NULL,
    holder        TEXT NOT NULL,
    until_at      INTEGER NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, subject_kind, subject_id)
);
