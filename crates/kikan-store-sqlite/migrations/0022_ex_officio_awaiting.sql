-- A 職権消除 (実態調査 …) awaits a 転入通知 too (4.1.3.1.1, 4.1.3.1.4): its removal date
-- goes where the 転入通知未着者一覧 looks, until a notice is recorded.
UPDATE persons SET moving_out_on = json_extract(data, '$.status.on')
 WHERE register = 'B' AND moving_out_on IS NULL
   AND json_extract(data, '$.status.reason') = '職権消除'
   AND json_extract(data, '$.status.notice') IS NULL;
