-- A 職権消除 (実態調査 …) awaits a 転入通知 too (4.1.3.1.1, 4.1.3.1.4): its removal date
-- goes where the 転入通知未着者一覧 looks, until a notice is recorded.
-- The owner fills every tenant's rows at once (row security would show it none).
ALTER TABLE persons NO FORCE ROW LEVEL SECURITY;
UPDATE persons SET moving_out_on = (data -> 'status' ->> 'on')::date
 WHERE register = 'B' AND moving_out_on IS NULL
   AND data -> 'status' ->> 'reason' = '職権消除'
   AND data -> 'status' -> 'notice' IS NULL;
ALTER TABLE persons FORCE ROW LEVEL SECURITY;
