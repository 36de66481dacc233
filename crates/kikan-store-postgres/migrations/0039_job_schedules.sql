-- スケジュール管理 (9.1): the jobs that start by themselves, and the slots they have
-- claimed (a slot is run once, whichever server claims it first).
CREATE TABLE job_schedules (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    schedule_id  bigint NOT NULL,
    data         text NOT NULL,
    PRIMARY KEY (tenant_id, schedule_id)
);
ALTER TABLE job_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON job_schedules USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE TABLE job_slots (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    schedule_id  bigint NOT NULL,
    slot         text NOT NULL,
    PRIMARY KEY (tenant_id, schedule_id, slot)
);
ALTER TABLE job_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_slots FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON job_slots USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
