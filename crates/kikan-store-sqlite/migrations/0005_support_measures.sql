-- 支援措置 (DB C): the measures, and the persons each protects (for the lookup on
-- every view of a person).
CREATE TABLE support_measures (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    measure_id   INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, measure_id)
);
CREATE TABLE support_persons (
    tenant_id    TEXT NOT NULL,
    person_id    INTEGER NOT NULL,
    measure_id   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, person_id, measure_id)
);
