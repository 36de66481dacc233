-- Accounts and API tokens that an administrator asks for, for a role that sees personal
-- data, wait for approval by the business (審査) before they work: the administrator
-- never holds a working credential for resident data. sealed_token: the token, sealed
-- under the installation's keys, until the approver is shown it once.
ALTER TABLE staff ADD COLUMN awaiting_approval boolean NOT NULL DEFAULT false;
ALTER TABLE staff ADD COLUMN approved_by bigint;
ALTER TABLE api_tokens ADD COLUMN sealed_token text;
ALTER TABLE api_tokens ADD COLUMN approved_by bigint;
