-- Drafts: 異動 entered by 窓口, examined and committed (or rejected) by 審査.
CREATE TABLE drafts (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    draft_id     INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'committed', 'rejected')),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    request      TEXT NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    note         TEXT,
    seq          INTEGER,
    PRIMARY KEY (tenant_id, draft_id)
);
CREATE INDEX drafts_status ON drafts (tenant_id, status, created_at);
