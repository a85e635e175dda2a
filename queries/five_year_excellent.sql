-- name: five_year_excellent
-- title: Tổ chức đảng, đảng viên "Hoàn thành xuất sắc nhiệm vụ" nhiều năm liền
-- description: Organizations (collective ratings) and members rated HTXS in every one of the `streak_years` years
--   ending at `year` (rule 'nam_nam_lien' in commendation_rules: 5). A year missing or rated lower breaks the
--   streak. A renamed unit keeps its streak: ratings under its former codes (lineage events 'doi_ten') count for the
--   code it carries now. Members are listed by their pseudonymous key.
-- param: year int optional — năm cuối của chuỗi (mặc định: năm mới nhất có số liệu)
-- param: unit text optional — chỉ trong đơn vị này (tên hoặc mã)
-- columns: kind, subject, subject_key, unit_code, unit, first_year, last_year, years
WITH RECURSIVE p AS (
    SELECT coalesce(CAST($year AS INTEGER),
                    (SELECT max(year) FROM (SELECT year FROM collective_ratings UNION ALL
                                            SELECT year FROM member_ratings))) AS year,
           CAST($unit AS VARCHAR) AS unit,
           (SELECT streak_years FROM commendation_rules WHERE rule_id = 'nam_nam_lien') AS n
),
renamed(old_code, code, depth) AS (     -- every renamed code → the code it carries after its renames
    SELECT DISTINCT old_code, old_code, 0 FROM lineage_events WHERE event = 'doi_ten' AND new_code <> old_code
    UNION ALL
    SELECT r.old_code, e.new_code, r.depth + 1
    FROM renamed r JOIN lineage_events e ON e.old_code = r.code AND e.event = 'doi_ten' AND e.new_code <> e.old_code
    WHERE r.depth < 10
),
current_code AS (   -- (codes never renamed keep their own: coalesce below)
    SELECT old_code, arg_max(code, depth) AS code FROM renamed GROUP BY old_code
),
target AS (       -- the unit, by code or name, found first (as a join condition it was tried on every unit)
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
scope AS (
    SELECT a.unit_code FROM unit_ancestors a WHERE a.ancestor_code IN (SELECT unit_code FROM target)
),
org_years AS (
    SELECT 'to_chuc' AS kind, c.subject, coalesce(cc.code, c.unit_code) AS subject_key,
           coalesce(cc.code, c.unit_code) AS unit_code, c.year
    FROM collective_ratings c LEFT JOIN current_code cc ON cc.old_code = c.unit_code, p
    WHERE c.level = 1 AND c.year BETWEEN p.year - p.n + 1 AND p.year
      AND c.subject IN ('tccsd', 'chi_bo')
      AND (p.unit IS NULL OR coalesce(cc.code, c.unit_code) IN (SELECT unit_code FROM scope))
),
member_streaks_of AS (  -- members HTXS in every year of the window (built at load time: table member_streaks),
    SELECT 'dang_vien' AS kind, 'dang_vien' AS subject, s.member_key AS subject_key,
           coalesce(cc.code, s.chi_bo_code) AS unit_code,
           s.first_year, s.last_year, s.years                  -- at the current code of their last chi bộ
    FROM member_streaks s LEFT JOIN current_code cc ON cc.old_code = s.chi_bo_code, p
    WHERE s.year = p.year AND s.years = p.n
),
streaks AS (
    SELECT kind, subject, subject_key, any_value(unit_code) AS unit_code,
           min(year) AS first_year, max(year) AS last_year, count(DISTINCT year) AS years
    FROM org_years
    GROUP BY ALL
    UNION ALL
    SELECT * FROM member_streaks_of
)
SELECT s.kind, s.subject, s.subject_key, s.unit_code, u.name AS unit,
       s.first_year::INTEGER AS first_year, s.last_year::INTEGER AS last_year, s.years::INTEGER AS years
FROM streaks s JOIN units u USING (unit_code) LEFT JOIN unit_tree ut USING (unit_code), p
WHERE s.years = p.n AND (p.unit IS NULL OR s.unit_code IN (SELECT unit_code FROM scope))
ORDER BY s.kind DESC, ut.name_order, s.subject_key;      -- (the name's rank: collating ~50 k names took ~50 ms)
