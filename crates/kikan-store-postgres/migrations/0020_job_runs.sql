-- バッチ処理の実行結果 (9.1): each run of a job with its outcome.
CREATE TABLE job_runs (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id),
    run_id      bigint NOT NULL,
    job         text NOT NULL,
    started_at  timestamptz NOT NULL,
    data        text NOT NULL,
    PRIMARY KEY (tenant_id, run_id)
);
CREATE INDEX job_runs_latest ON job_runs (tenant_id, job, started_at);
ALTER TABLE job_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON job_runs
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
