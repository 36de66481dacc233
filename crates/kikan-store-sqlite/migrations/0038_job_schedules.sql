-- スケジュール管理 (9.1): the jobs that start by themselves, and the slots they have
-- claimed (a slot is run once, whichever server claims it first).
CREATE TABLE job_schedules (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    schedule_id  INTEGER NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, schedule_id)
);
CREATE TABLE job_slots (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    schedule_id  INTEGER NOT NULL,
    slot         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, schedule_id, slot)
);
