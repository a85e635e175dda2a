-- name: unit_shortcomings
-- title: Hạn chế, khuyết điểm của một đơn vị
-- description: The shortcomings recorded for the unit itself, newest year first, with their group and how far they
--   were remedied (remedy_status: da_khac_phuc | dang_khac_phuc | chua_khac_phuc | NULL when not reported).
-- param: unit text required — mã hoặc tên đơn vị
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- columns: year, subject, text, category, remedy_status, remedy, source
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1
),
target AS (      -- the unit, by code or name, found first (as a join condition it was tried on every row)
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
)
SELECT s.year::INTEGER AS year, s.subject, s.text_norm AS text, s.category, s.remedy_status,
       s.remedy_raw AS remedy, s.source
FROM shortcomings s
JOIN target t USING (unit_code), p
WHERE (p.y0 IS NULL OR s.year >= p.y0) AND (p.y1 IS NULL OR s.year <= p.y1)
ORDER BY s.year DESC, s.category COLLATE vi NULLS LAST, s.text_norm COLLATE vi;
