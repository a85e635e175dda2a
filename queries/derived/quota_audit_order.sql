-- name: quota_audit_order
-- title: Sắp xếp bảng kiểm tra tỷ lệ HTXS theo thứ tự trang hiển thị
-- description: Numbers every row of quota_audit in the order queries/quota.sql returns (year newest first, largest
--   excess first, group name in Vietnamese order, subject, group) and rewrites the table in that order. quota.sql
--   then reads the whole audit without sorting it: a scan with WHERE and UNION ALL keeps the stored order (DuckDB's
--   documented order preservation), and sorting the 900 k rows of the national audit with their 20 columns was half
--   of that call's time. Run by etl/precompute.py after every change of the table, in the load's transaction.
CREATE OR REPLACE TEMP TABLE quota_audit_sorted AS
SELECT * REPLACE (row_number() OVER (ORDER BY year DESC, excess DESC NULLS LAST, name_order, subject, group_key,
                                             "grouping") AS sort_order)
FROM quota_audit
ORDER BY sort_order;
DELETE FROM quota_audit;
INSERT INTO quota_audit BY NAME SELECT * FROM quota_audit_sorted ORDER BY sort_order;
DROP TABLE quota_audit_sorted;
