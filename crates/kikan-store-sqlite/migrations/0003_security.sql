-- Staff accounts, sessions, API tokens and the hash-chained audit log.
-- Every primary key and unique index begins with tenant_id.

CREATE TABLE staff (
    tenant_id        TEXT NOT NULL REFERENCES tenants (tenant_id),
    staff_id         INTEGER NOT NULL,
    login            TEXT NOT NULL,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    totp_secret      TEXT NOT NULL,
    totp_last_step   INTEGER NOT NULL DEFAULT 0,
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    active           INTEGER NOT NULL DEFAULT 1,
    oidc_subject     TEXT,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, staff_id)
);
CREATE UNIQUE INDEX staff_login ON staff (tenant_id, login);
CREATE UNIQUE INDEX staff_oidc ON staff (tenant_id, oidc_subject);

CREATE TABLE sessions (
    tenant_id    TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    staff_id     INTEGER NOT NULL,
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, token_hash)
);

CREATE TABLE api_tokens (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    token_hash   TEXT NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, token_hash)
);

-- The audit log: append-only, each record linked to the previous by hash.
CREATE TABLE audit (
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id),
    seq          INTEGER NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    event        TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_actor ON audit (tenant_id, actor, seq);
-- Who looked at this person: one row per resident concerned.
CREATE TABLE audit_persons (
    tenant_id    TEXT NOT NULL,
    person_id    INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, person_id, seq)
);
-- The newest record of each chain: a removed tail shows against it.
CREATE TABLE audit_heads (
    tenant_id    TEXT NOT NULL PRIMARY KEY,
    seq          INTEGER NOT NULL,
    hash         TEXT NOT NULL
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
