-- 10.3 (操作権限管理): per staff member, the department, the 利用期間 and a change
-- prepared in advance (a JSON document); departments whose settings their members share.
ALTER TABLE staff ADD COLUMN profile text NOT NULL DEFAULT '{}';
CREATE TABLE departments (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    code       text NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, code)
);
ALTER TABLE departments ENABLE ROW LEVEL SECURITY;
ALTER TABLE departments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON departments USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
