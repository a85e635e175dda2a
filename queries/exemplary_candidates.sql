-- name: exemplary_candidates
-- title: Tổ chức đảng "Hoàn thành xuất sắc nhiệm vụ" năm nay — đề nghị "tiêu biểu" trong giới hạn cho phép
-- description: This year's organizations rated HTXS, per subject (tccsd, chi_bo) and per parent, with how many may be
--   commended "tiêu biểu": floor(ratio × number rated HTXS) under the same parent (commendation_rules; seed 001:
--   20% of the chi bộ rated TSVM/HTXS). five_years says whether the organization is also HTXS five years running.
-- param: year int optional — năm đánh giá (mặc định: năm mới nhất)
-- param: unit text optional — chỉ trong đơn vị này
-- columns: year, subject, parent, unit_code, unit, score, five_years, htxs_in_group, allowed_exemplary, source
WITH p AS (
    SELECT coalesce(CAST($year AS INTEGER), (SELECT max(year) FROM collective_ratings)) AS year,
           CAST($unit AS VARCHAR) AS unit
),
target AS (       -- the unit, by code or name, found first (as a join condition it was tried on every unit)
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
scope AS (
    SELECT a.unit_code FROM unit_ancestors a WHERE a.ancestor_code IN (SELECT unit_code FROM target)
),
excellent AS (
    SELECT c.year, c.subject, u.parent_code, c.unit_code, u.name, c.score
    FROM collective_ratings c JOIN units u USING (unit_code), p
    WHERE c.year = p.year AND c.level = 1 AND c.subject IN ('tccsd', 'chi_bo')
      AND (p.unit IS NULL OR c.unit_code IN (SELECT unit_code FROM scope))
),
five AS (         -- only the units rated excellent this year can have five years
    SELECT c.unit_code, c.subject
    FROM collective_ratings c, p
    WHERE c.level = 1 AND c.year BETWEEN p.year - 4 AND p.year
      AND c.unit_code IN (SELECT unit_code FROM excellent)
    GROUP BY ALL HAVING count(DISTINCT c.year) = 5
)
SELECT e.year::INTEGER AS year, e.subject, pu.name AS parent, e.unit_code, e.name AS unit, e.score,
       (f.unit_code IS NOT NULL) AS five_years,
       count(*) OVER (PARTITION BY e.subject, e.parent_code)::INTEGER AS htxs_in_group,
       floor(r.ratio * count(*) OVER (PARTITION BY e.subject, e.parent_code) + 1e-9)::INTEGER AS allowed_exemplary,
       r.source
FROM excellent e
LEFT JOIN units pu ON pu.unit_code = e.parent_code
LEFT JOIN five f ON f.unit_code = e.unit_code AND f.subject = e.subject
LEFT JOIN commendation_rules r ON r.subject = e.subject AND r.base = 'htxs'
LEFT JOIN unit_tree pt ON pt.unit_code = e.parent_code
LEFT JOIN unit_tree et ON et.unit_code = e.unit_code
-- names in Vietnamese order through their ranks (unit_tree.name_order: collating ~50 k names took ~50 ms)
ORDER BY e.subject, pt.name_order, five_years DESC, e.score DESC NULLS LAST, et.name_order, e.unit_code;
