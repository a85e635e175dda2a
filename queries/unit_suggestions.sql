-- name: unit_suggestions
-- title: Gợi ý kiểm điểm đối với một đơn vị
-- description: The review suggestions (gợi ý kiểm điểm) the upper level sent to the unit, newest year first.
-- param: unit text required — mã hoặc tên đơn vị
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- columns: year, text
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1
),
target AS (      -- the unit, by code or name, found first (as a join condition it was tried on every row)
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
)
SELECT g.year::INTEGER AS year, g.text_norm AS text
FROM review_suggestions g
JOIN target t USING (unit_code), p
WHERE (p.y0 IS NULL OR g.year >= p.y0) AND (p.y1 IS NULL OR g.year <= p.y1)
ORDER BY g.year DESC, g.text_norm COLLATE vi;
