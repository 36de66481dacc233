-- 10.4 (操作権限設定): per staff member and per API token, the items hidden on every
-- screen (戸籍の表示, 個人番号, 住民票コード, 在留資格等), as a JSON array of codes.
ALTER TABLE staff ADD COLUMN hidden_items TEXT NOT NULL DEFAULT '[]';
ALTER TABLE api_tokens ADD COLUMN hidden_items TEXT NOT NULL DEFAULT '[]';
