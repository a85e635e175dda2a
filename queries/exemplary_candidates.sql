-- name: exemplary_candidates
-- title: Tổ chức đảng "Hoàn thành xuất sắc nhiệm vụ" năm nay — đề nghị "tiêu biểu" trong giới hạn cho phép
-- description: This year's organizations rated HTXS, per subject (tccsd, chi_bo) and per parent, with how many may be
--   commended "tiêu biểu": floor(ratio × number rated HTXS) under the same parent (commendation_rules; seed 001:
--   20% of the chi bộ rated TSVM/HTXS). five_years says whether the organization is also HTXS five years running.
--   The rule is the one of the year (first_year..last_year) whose scope covers the unit, a local rule (scope = a unit,
--   its subtree) before a national one; rule_id, ratio and certainty name it (U: a reference level only). No rule for
--   the year: allowed_exemplary, ratio and source are empty. marked: the file of the rating marks the organization
--   "tiêu biểu" (collective_ratings.exemplary); marked_in_group: how many of the group it marks (the catalog rule
--   tieu_bieu_vuot_gioi_han reports the groups where the marks exceed allowed_exemplary).
-- param: year int optional — năm đánh giá (mặc định: năm mới nhất)
-- param: unit text optional — chỉ trong đơn vị này
-- columns: year, subject, parent, unit_code, unit, score, five_years, htxs_in_group, allowed_exemplary, source,
--   rule_id, ratio, certainty, marked, marked_in_group
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
    SELECT c.year, c.subject, u.parent_code, c.unit_code, u.name, c.score, coalesce(c.exemplary, false) AS marked
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
LEFT JOIN unit_tree pt ON pt.unit_code = e.parent_code
LEFT JOIN unit_tree et ON et.unit_code = e.unit_code
-- names in Vietnamese order through their ranks (unit_tree.name_order: collating ~50 k names took ~50 ms)
ORDER BY e.subject, pt.name_order, five_years DESC, e.score DESC NULLS LAST, et.name_order, e.unit_code;
