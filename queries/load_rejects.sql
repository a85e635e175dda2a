-- name: load_rejects
-- title: Các dòng bị loại của một lần nạp
-- description: The rows a load rejected, each with its place in the file, the value and the reason (Vietnamese), and
--   the whole original line as JSON (raw) so a clerk can fix the file. Raw lines hold names: only roles that load
--   data read rejected rows, and those that may not read names get a member's row without the person — no member
--   code, name, discipline or column outside the template in raw, value and reason (queries/scope.py,
--   queries/views/rejected_rows_without_names.sql). The import page logs every export.
-- param: load int required — số lần nạp
-- columns: load_id, file_name, sheet, row_no, column_name, value, reason, raw
SELECT load_id, file_name, sheet, row_no, column_name, value, reason, raw
FROM rejected_rows
WHERE load_id = $load
ORDER BY file_name, sheet NULLS FIRST, row_no;
