-- 検索履歴 (2.1.1): the latest search conditions of each staff member (ID単位), kept to a
-- fixed number, numbered per staff member; `data` is the conditions as encrypted JSON
-- (they hold names and dates).
CREATE TABLE search_history (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    login      TEXT NOT NULL,
    id         INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, login, id)
);
