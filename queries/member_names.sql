-- name: member_names
-- title: Họ và tên đảng viên theo mã ẩn danh (dữ liệu cá nhân)
-- description: Personal data (domain.md §11): the names behind pseudonymous member keys, read from
--   member_identities, which the analytics tables never join. Used only for the lists an office sends up (the
--   "5 năm liền" commendation list); the page calls it when the user asks for names and logs every such view or
--   export (reports/access_log.py). The card number (member_code) is not returned.
-- param: keys text required — các mã ẩn danh (member_key), cách nhau bởi dấu phẩy
-- columns: member_key, full_name
SELECT i.member_key, i.full_name
FROM member_identities i
WHERE list_contains(string_split(CAST($keys AS VARCHAR), ','), i.member_key)
ORDER BY i.member_key;
