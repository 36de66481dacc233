-- 世帯主不在: a household on the register without a 世帯主 (4.0.4, 4.0.5), so that the
-- list of households to ask for a 世帯主変更届 is read without reading every household.
ALTER TABLE households ADD COLUMN headless INTEGER NOT NULL DEFAULT 0;
UPDATE households SET headless = 1
 WHERE dissolved = 0 AND json_extract(data, '$.head') IS NULL;
CREATE INDEX households_headless ON households (tenant_id) WHERE headless = 1;
