-- 10.3 (操作権限管理): per staff member, the department, the 利用期間 and a change
-- prepared in advance (a JSON document); departments whose settings their members share.
ALTER TABLE staff ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
CREATE TABLE departments (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    code       TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, code)
);
