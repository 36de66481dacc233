-- 転出予定: the planned date of a person who notified a 転出 and is still on the
-- register, so that the daily work finds who leaves on a date (1.1.5, j50) without
-- reading every record.
ALTER TABLE persons ADD COLUMN moving_out_on date;
-- The owner fills every tenant's rows at once (row security would show it none).
ALTER TABLE persons NO FORCE ROW LEVEL SECURITY;
UPDATE persons SET moving_out_on = (data -> 'status' ->> 'planned_on')::date
 WHERE register = 'A' AND data -> 'status' ->> 'state' = 'MovingOut';
ALTER TABLE persons FORCE ROW LEVEL SECURITY;
CREATE INDEX persons_moving_out ON persons (tenant_id, moving_out_on) WHERE moving_out_on IS NOT NULL;
