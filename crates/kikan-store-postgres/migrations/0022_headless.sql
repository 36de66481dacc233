-- 世帯主不在: a household on the register without a 世帯主 (4.0.4, 4.0.5), so that the
-- list of households to ask for a 世帯主変更届 is read without reading every household.
ALTER TABLE households ADD COLUMN headless boolean NOT NULL DEFAULT false;
-- The owner fills every tenant's rows at once (row security would show it none).
ALTER TABLE households NO FORCE ROW LEVEL SECURITY;
UPDATE households SET headless = true
 WHERE NOT dissolved AND data ->> 'head' IS NULL;
ALTER TABLE households FORCE ROW LEVEL SECURITY;
CREATE INDEX households_headless ON households (tenant_id) WHERE headless;
