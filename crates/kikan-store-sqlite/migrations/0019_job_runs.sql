-- バッチ処理の実行結果 (9.1): each run of a job with its outcome.
CREATE TABLE job_runs (
    tenant_id   TEXT NOT NULL REFERENCES tenants (tenant_id),
    run_id      INTEGER NOT NULL,
    job         TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, run_id)
);
CREATE INDEX job_runs_latest ON job_runs (tenant_id, job, started_at);
