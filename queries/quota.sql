-- name: quota
-- title: Kiểm tra tỷ lệ "Hoàn thành xuất sắc nhiệm vụ" theo quy định từng năm
-- description: One row per group, year and subject. The rule of each year comes from table quota_rules (data,
--   data/reference/quota_rules.csv); a local rule (scope = a unit) replaces the national ones in that unit's
--   subtree. Groups: 'tccsd' = the members of each grassroots organization; 'chi_bo' = the members of each chi bộ;
--   'nhom_tuong_dong' = for collectives, the form the rule names in quota_rules.collective_group (data): 'cap_tren'
--   = same parent (the default), 'cap_tren_loai_hinh' = same parent, tree level and Loại hình (group_form); for
--   members the grassroots organization; for leaders as individuals, the leaders of the grassroots organizations
--   under one upper level. Allowed = floor(ratio × HTT); status trong_gioi_han | da_cho_phep (over the ratio, within
--   what a decision of the competent level allowed: table quota_decisions, decision_* columns) | nhom_nho (over the
--   ratio in a group with fewer HTT than the rule's small_htt, when its small_status is 'nhom_nho': to review, not a
--   breach) | can_quyet_dinh (between the ratio and the exception ceiling) | vuot | can_xem_xet (over a rule marked
--   unverified) | khong_co_quy_tac. Counts that rest only on reported aggregates have basis 'so_lieu_tong_hop': an
--   aggregate over the limit proves only that at least one group inside exceeded it, not that the unit did. The audit itself is built at load time (queries/derived/quota_audit.sql, table quota_audit):
--   this query only filters and orders it.
-- param: year int optional — năm đánh giá
-- param: unit text optional — tên hoặc mã đơn vị: chỉ các nhóm thuộc đơn vị này
-- param: subject text optional — mã đối tượng
-- columns: year, unit, subject, htxs, htt, total, allowed, excess, share_of_htt, share_of_total, rule, status, basis,
--   group_key, unit_code, grouping, ratio, exception_ratio, certainty, source, group_form, small_htt, decision_ratio,
--   decision_doc, decision_by, decision_date
WITH p AS (
    SELECT CAST($year AS INTEGER) AS year, CAST($unit AS VARCHAR) AS unit, CAST($subject AS VARCHAR) AS subject
),
target AS (        -- the unit, by code or name, found first (as a join condition it was tried on 9.5 M rows)
    SELECT u.unit_code FROM units u, p WHERE p.unit IS NOT NULL AND (u.unit_code = p.unit OR u.name_key = vkey(p.unit))
),
scope_units AS (   -- the subtree a unit filter selects, in the tree of each year
    SELECT a.year, a.unit_code FROM unit_ancestors_by_year a WHERE a.ancestor_code IN (SELECT unit_code FROM target)
)
-- The whole audit (no unit) is read in the order it is stored in, which is this query's order (derive/audits.py
-- writes it so, numbered by sort_order: queries/derived/quota_audit_order.sql); a scan with WHERE keeps it, also
-- through a restricted connection's view of the table (one table and a WHERE, queries/scope.py). A unit's subtree
-- is a join, whose order DuckDB does not keep: those rows are sorted.
SELECT q.year, q.unit, q.subject, q.htxs, q.htt, q.total, q.allowed, q.excess, q.share_of_htt, q.share_of_total,
       q.rule, q.status, q.basis, q.group_key, q.unit_code, q.grouping, q.ratio, q.exception_ratio, q.certainty,
       q.source, q.group_form, q.small_htt, q.decision_ratio, q.decision_doc, q.decision_by, q.decision_date
FROM quota_audit q
WHERE $unit IS NULL
  AND ($year IS NULL OR q.year = $year)
  AND ($subject IS NULL OR q.subject = $subject)
UNION ALL
SELECT * FROM (
    SELECT q.year, q.unit, q.subject, q.htxs, q.htt, q.total, q.allowed, q.excess, q.share_of_htt, q.share_of_total,
           q.rule, q.status, q.basis, q.group_key, q.unit_code, q.grouping, q.ratio, q.exception_ratio,
           q.certainty, q.source, q.group_form, q.small_htt, q.decision_ratio, q.decision_doc, q.decision_by,
           q.decision_date
    FROM quota_audit q, p
    WHERE p.unit IS NOT NULL
      AND (p.year IS NULL OR q.year = p.year)
      AND (p.subject IS NULL OR q.subject = p.subject)
      AND (q.year, q.unit_code) IN (SELECT year, unit_code FROM scope_units)
    ORDER BY q.sort_order
);
