-- メモ (1.1.15): staff notes on a person. Every write, edit and deletion is a new
-- revision row (the history); rows are never changed or removed.
CREATE TABLE memos (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    memo_id    bigint NOT NULL,
    revision   bigint NOT NULL,
    person_id  bigint NOT NULL,
    data       text NOT NULL,
    PRIMARY KEY (tenant_id, memo_id, revision)
);
CREATE INDEX memos_by_person ON memos (tenant_id, person_id, memo_id, revision);
CREATE TRIGGER memos_append_only BEFORE UPDATE OR DELETE ON memos
    FOR EACH ROW EXECUTE FUNCTION kikan_append_only();
ALTER TABLE memos ENABLE ROW LEVEL SECURITY;
ALTER TABLE memos FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memos USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
