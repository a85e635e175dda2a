-- name: quota_audit_order
-- title: Thứ tự lưu bảng kiểm tra tỷ lệ HTXS (thứ tự trang hiển thị)
-- description: The rows of relation quota_audit_rows (the audit's rows without sort_order) numbered in the order
--   queries/quota.sql returns — year newest first, largest excess first, group name in Vietnamese order, subject,
--   group — and in that order, for derive/audits.py to insert into quota_audit. quota.sql then reads the whole
--   audit without sorting it: a scan with WHERE keeps the stored order (DuckDB's documented order preservation),
--   and sorting the 900 k rows of the national audit with their 20 columns was half of that call's time. A full
--   build names the derived statement's rows quota_audit_rows (a CTE: no second pass); a build of some years puts
--   their new rows and the kept rows in a temporary table of that name and rewrites the table.
SELECT *, row_number() OVER (ORDER BY year DESC, excess DESC NULLS LAST, name_order, subject, group_key,
                                      "grouping") AS sort_order
FROM quota_audit_rows
ORDER BY sort_order
