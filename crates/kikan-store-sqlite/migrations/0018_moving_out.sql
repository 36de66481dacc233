-- 転出予定: the planned date of a person who notified a 転出 and is still on the
-- register, so that the daily work finds who leaves on a date (1.1.5, j50) without
-- reading every record.
ALTER TABLE persons ADD COLUMN moving_out_on TEXT;
UPDATE persons SET moving_out_on = json_extract(data, '$.status.planned_on')
 WHERE register = 'A' AND json_extract(data, '$.status.state') = 'MovingOut';
CREATE INDEX persons_moving_out ON persons (tenant_id, moving_out_on) WHERE moving_out_on IS NOT NULL;
