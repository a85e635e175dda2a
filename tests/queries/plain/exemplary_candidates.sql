-- name: exemplary_candidates
-- title: Tổ chức đảng "Hoàn thành xuất sắc nhiệm vụ" năm nay — đề nghị "tiêu biểu" trong giới hạn cho phép
-- description: This year's organizations rated HTXS, per subject (tccsd, chi_bo) and per parent, with how many may be
--   commended "tiêu biểu": floor(ratio × number rated HTXS) under the same parent (commendation_rules; seed 001:
--   20% of the chi bộ rated TSVM/HTXS). five_years says whether the organization is also HTXS five years running.
-- param: year int optional — năm đánh giá (mặc định: năm mới nhất)
-- param: unit text optional — chỉ trong đơn vị này
--   (The rule of the year and scope, and the "tiêu biểu" marks of the files, as the fast version gives them.)
-- columns: year, subject, parent, unit_code, unit, score, five_years, htxs_in_group, allowed_exemplary, source,
--   rule_id, ratio, certainty, marked, marked_in_group
WITH p AS (
    SELECT coalesce(CAST($year AS INTEGER), (SELECT max(year) FROM collective_ratings)) AS year,
           CAST($unit AS VARCHAR) AS unit
),
scope AS (
    SELECT a.unit_code FROM unit_ancestors a JOIN units u ON u.unit_code = a.ancestor_code, p
    WHERE p.unit IS NULL OR u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
excellent AS (
    SELECT c.year, c.subject, u.parent_code, c.unit_code, u.name, c.score, coalesce(c.exemplary, false) AS marked
    FROM collective_ratings c JOIN units u USING (unit_code), p
    WHERE c.year = p.year AND c.level = 1 AND c.subject IN ('tccsd', 'chi_bo')
      AND c.unit_code IN (SELECT unit_code FROM scope)
),
five AS (
    SELECT c.unit_code, c.subject
    FROM collective_ratings c, p
    WHERE c.level = 1 AND c.year BETWEEN p.year - 4 AND p.year
    GROUP BY ALL HAVING count(DISTINCT c.year) = 5
),
rules AS (        -- the rule of each excellent organization: of its year, covering it, a local one first
    SELECT e.unit_code, e.subject, r.rule_id, r.ratio, r.source, r.certainty
    FROM excellent e
    JOIN commendation_rules r ON r.subject = e.subject AND r.base = 'htxs'
                             AND e.year BETWEEN coalesce(r.first_year, 0) AND coalesce(r.last_year, 9999)
    WHERE coalesce(r.scope, 'toan_quoc') = 'toan_quoc'
       OR e.unit_code IN (SELECT a.unit_code FROM unit_ancestors a JOIN units s ON a.ancestor_code = s.unit_code
                          WHERE s.unit_code = r.scope OR s.name_key = vkey(r.scope))
    QUALIFY row_number() OVER (PARTITION BY e.unit_code, e.subject
                               ORDER BY (coalesce(r.scope, 'toan_quoc') = 'toan_quoc'), r.first_year DESC, r.rule_id) = 1
)
SELECT e.year::INTEGER AS year, e.subject, pu.name AS parent, e.unit_code, e.name AS unit, e.score,
       (f.unit_code IS NOT NULL) AS five_years,
       count(*) OVER (PARTITION BY e.subject, e.parent_code)::INTEGER AS htxs_in_group,
       floor(r.ratio * count(*) OVER (PARTITION BY e.subject, e.parent_code) + 1e-9)::INTEGER AS allowed_exemplary,
       r.source, r.rule_id, r.ratio::DOUBLE AS ratio, r.certainty, e.marked,
       count(*) FILTER (WHERE e.marked) OVER (PARTITION BY e.subject, e.parent_code)::INTEGER AS marked_in_group
FROM excellent e
LEFT JOIN units pu ON pu.unit_code = e.parent_code
LEFT JOIN five f ON f.unit_code = e.unit_code AND f.subject = e.subject
LEFT JOIN rules r ON r.unit_code = e.unit_code AND r.subject = e.subject
ORDER BY e.subject, pu.name COLLATE vi, five_years DESC, e.score DESC NULLS LAST, e.name COLLATE vi;
