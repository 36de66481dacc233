-- 国名 (1.3.3): the country list the 住所辞書 keeps for 国籍・地域 and addresses abroad,
-- updated yearly by import; `data` is the JSON of kikan_domain::address::Country.
CREATE TABLE countries (
    tenant_id  TEXT NOT NULL REFERENCES tenants (tenant_id),
    code       TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, code)
);
