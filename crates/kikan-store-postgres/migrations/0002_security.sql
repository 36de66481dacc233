-- Staff accounts, sessions, API tokens and the hash-chained audit log.
-- Every primary key and unique index begins with tenant_id.

CREATE TABLE staff (
    tenant_id        text NOT NULL REFERENCES tenants (tenant_id),
    staff_id         bigint NOT NULL,
    login            text NOT NULL,
    name             text NOT NULL,
    role             text NOT NULL,
    password_hash    text NOT NULL,
    totp_secret      text NOT NULL,
    totp_last_step   bigint NOT NULL DEFAULT 0,
    failed_logins    bigint NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    active           boolean NOT NULL DEFAULT true,
    oidc_subject     text,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, staff_id)
);
CREATE UNIQUE INDEX staff_login ON staff (tenant_id, login);
CREATE UNIQUE INDEX staff_oidc ON staff (tenant_id, oidc_subject);

CREATE TABLE sessions (
    tenant_id    text NOT NULL,
    token_hash   text NOT NULL,
    staff_id     bigint NOT NULL,
    csrf         text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, token_hash)
);

CREATE TABLE api_tokens (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    token_hash   text NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL,
    created_at   timestamptz NOT NULL,
    revoked      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, token_hash)
);

-- The audit log: append-only, each record linked to the previous by hash.
CREATE TABLE audit (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    seq          bigint NOT NULL,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    action       text NOT NULL,
    event        text NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_actor ON audit (tenant_id, actor, seq);
-- Who looked at this person: one row per resident concerned.
CREATE TABLE audit_persons (
    tenant_id    text NOT NULL,
    person_id    bigint NOT NULL,
    seq          bigint NOT NULL,
    PRIMARY KEY (tenant_id, person_id, seq)
);
-- The newest record of each chain: a removed tail shows against it.
CREATE TABLE audit_heads (
    tenant_id    text NOT NULL PRIMARY KEY,
    seq          bigint NOT NULL,
    hash         text NOT NULL
);

CREATE FUNCTION kikan_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION kikan_audit_append_only();
