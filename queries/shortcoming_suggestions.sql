-- name: shortcoming_suggestions
-- title: Gợi ý kiểm điểm và hạn chế xuất hiện lại
-- description: One row per review suggestion (gợi ý kiểm điểm) the upper level sent: which unit, which year, on what
--   (text and category from analysis/shortcomings.py), whether the unit's review of that year names a shortcoming on
--   the same matter (addressed), and the first later year a shortcoming on the same matter shows up again
--   (later_basis noi_dung = the wording matches, cung_nhom = only the category is the same).
-- param: unit text optional — mã hoặc tên đơn vị: các đơn vị trực thuộc
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- columns: year, unit, suggestion, category, addressed, addressed_text, later_year, later_text, later_basis,
--   unit_code, category_code
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1
),
roots AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
)
SELECT f.year::INTEGER AS year, u.name AS unit, f.text AS suggestion, sc.name AS category,
       (f.same_year_item IS NOT NULL) AS addressed, s.text AS addressed_text, f.later_year::INTEGER AS later_year,
       l.text AS later_text, f.later_basis, f.unit_code, f.category AS category_code
FROM suggestion_followups f
LEFT JOIN units u ON u.unit_code = f.unit_code
LEFT JOIN shortcoming_categories sc ON sc.code = f.category
LEFT JOIN shortcoming_items s ON s.item_id = f.same_year_item
LEFT JOIN shortcoming_items l ON l.item_id = f.later_item, p
WHERE (p.y0 IS NULL OR f.year >= p.y0) AND (p.y1 IS NULL OR f.year <= p.y1)
  AND (p.unit IS NULL
       OR f.unit_code IN (SELECT a.unit_code FROM unit_ancestors a WHERE a.ancestor_code IN (SELECT * FROM roots))
       OR EXISTS (SELECT 1 FROM unit_ancestors_by_year y
                  WHERE y.unit_code = f.unit_code AND y.year = f.year AND y.ancestor_code IN (SELECT * FROM roots)))
ORDER BY f.year DESC, unit COLLATE vi, suggestion COLLATE vi;
