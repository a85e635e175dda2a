-- name: unit_collective_ratings
-- title: Xếp loại của một đơn vị với tư cách tập thể, theo năm
-- description: The unit's own ratings as a collective (as a grassroots organization, a chi bộ, a party committee or a
--   leadership collective): the level it gave itself, the final level by the competent level, the score when
--   scored, and whether a member or a subordinate unit was disciplined. Levels 1 = best … 4; NULL = not rated.
-- param: unit text required — mã hoặc tên đơn vị
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- columns: year, subject, self_level, level, score, disciplined
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1
),
target AS (      -- the unit, by code or name, found first (as a join condition it was tried on every row)
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
)
SELECT c.year::INTEGER AS year, c.subject, c.self_level::INTEGER AS self_level, c.level::INTEGER AS level,
       c.score, c.disciplined
FROM collective_ratings c
JOIN target t USING (unit_code)
JOIN subjects s ON s.code = c.subject, p
WHERE (p.y0 IS NULL OR c.year >= p.y0) AND (p.y1 IS NULL OR c.year <= p.y1)
ORDER BY c.year, s.sort_order;
