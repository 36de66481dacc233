-- Drafts: 異動 entered by 窓口, examined and committed (or rejected) by 審査.
CREATE TABLE drafts (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    draft_id     bigint NOT NULL,
    status       text NOT NULL CHECK (status IN ('pending', 'committed', 'rejected')),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    request      text NOT NULL,
    decided_by   text,
    decided_at   timestamptz,
    note         text,
    seq          bigint,
    PRIMARY KEY (tenant_id, draft_id)
);
CREATE INDEX drafts_status ON drafts (tenant_id, status, created_at);
ALTER TABLE drafts ENABLE ROW LEVEL SECURITY;
ALTER TABLE drafts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON drafts USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
