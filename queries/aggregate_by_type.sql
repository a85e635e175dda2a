-- name: aggregate_by_type
-- title: Số lượng theo mức, chia theo loại hình tổ chức cơ sở đảng
-- description: The counts a unit reported split by kind of grassroots organization (loại hình: xã, phường thị trấn,
--   doanh nghiệp …), as the central statistics forms Biểu số 7A/7B-TCTW give them (table aggregate_counts_by_type).
--   The unit's totals are its own aggregate_counts row (query distribution). A kind with a parent (parent_type, e.g.
--   "100% vốn nước ngoài" inside "có vốn đầu tư nước ngoài") is part of its parent: in_total is false for it, and
--   the kinds with in_total add up to the totals. exemplary: the "tiêu biểu" count inside htxs (a commendation).
-- param: unit text required — mã hoặc tên đơn vị
-- param: subject text optional — mã đối tượng: tccsd, chi_bo, dang_vien
-- param: year int optional — năm đánh giá
-- columns: year, unit_code, subject, org_type, org_type_name, parent_type, in_total, htxs, htt, ht, khtnv, total,
--   not_rated, exemplary
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($subject AS VARCHAR) AS subject, CAST($year AS INTEGER) AS year
),
target AS (      -- the unit, by code or name
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
)
SELECT a.year::INTEGER AS year, a.unit_code, a.subject, a.org_type, t.name AS org_type_name, t.parent AS parent_type,
       t.parent IS NULL AS in_total, a.htxs, a.htt, a.ht, a.khtnv, a.total, a.not_rated, a.exemplary
FROM aggregate_counts_by_type a
JOIN target USING (unit_code)
LEFT JOIN org_types t ON t.code = a.org_type
LEFT JOIN subjects s ON s.code = a.subject, p
WHERE (p.subject IS NULL OR a.subject = p.subject) AND (p.year IS NULL OR a.year = p.year)
ORDER BY a.year, s.sort_order, coalesce(t.sort_order, 99), a.org_type;
