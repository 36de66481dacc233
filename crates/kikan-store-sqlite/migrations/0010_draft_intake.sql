-- A draft keeps the change as it was parsed and checked at intake (the ledger entry
-- with its new ids, and the household versions the clerk saw), so that committing it
-- neither parses the request again nor draws new ids. NULL for drafts entered before.
ALTER TABLE drafts ADD COLUMN intake TEXT;
