-- name: warehouse_info
-- title: Thông tin kho dữ liệu (dữ liệu minh họa, thời điểm cập nhật)
-- description: The warehouse's meta table without its secrets: 'demo' (present only in the illustrative demo),
--   'updated_at', 'built_at', 'schema_version'.
-- columns: key, value
SELECT key, value
FROM meta
WHERE key IN ('demo', 'updated_at', 'built_at', 'schema_version')
ORDER BY key;
