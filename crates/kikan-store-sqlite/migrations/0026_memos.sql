-- メモ (1.1.15): staff notes on a person. Every write, edit and deletion is a new
-- revision row (the history); rows are never changed or removed.
CREATE TABLE memos (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    memo_id    INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    person_id  INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, memo_id, revision)
);
CREATE INDEX memos_by_person ON memos (tenant_id, person_id, memo_id, revision);
CREATE TRIGGER memos_no_update BEFORE UPDATE ON memos
    BEGIN SELECT RAISE(ABORT, 'memos are append-only'); END;
CREATE TRIGGER memos_no_delete BEFORE DELETE ON memos
    BEGIN SELECT RAISE(ABORT, 'memos are append-only'); END;
