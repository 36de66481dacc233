-- API tokens expire and belong to the staff member who made them: deactivating the
-- account revokes its tokens. NULL expires_at: made before this migration, valid for
-- 365 days from its creation; NULL created_by: made on the server's command line.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN created_by bigint;
