-- name: shortcoming_trend
-- title: Hạn chế, khuyết điểm theo nhóm qua các năm
-- description: One row per year and category of shortcoming (data/reference/shortcoming_categories.csv): how many
--   shortcomings were recorded (the same text of a unit-year counts once), in how many units, and how many of them
--   repeat one of an earlier review (a link in analysis/shortcomings.py) — district-wide or within a unit's subtree.
-- param: unit text optional — mã hoặc tên đơn vị: các đơn vị trực thuộc (cả theo cây của từng năm)
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- param: subject text optional — mã đối tượng (hạn chế không ghi đối tượng luôn tính)
-- columns: year, category, shortcomings, units, recurring, recurring_share, category_code, sort_order
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1,
           CAST($subject AS VARCHAR) AS subject
),
roots AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
items AS (
    SELECT i.*, c.position FROM shortcoming_items i JOIN shortcoming_chain_items c USING (item_id), p
    WHERE (p.y0 IS NULL OR i.year >= p.y0) AND (p.y1 IS NULL OR i.year <= p.y1)
      AND (p.subject IS NULL OR i.subjects IS NULL OR list_contains(string_split(i.subjects, ','), p.subject))
      AND (p.unit IS NULL
           OR i.unit_code IN (SELECT a.unit_code FROM unit_ancestors a WHERE a.ancestor_code IN (SELECT * FROM roots))
           OR EXISTS (SELECT 1 FROM unit_ancestors_by_year b
                      WHERE b.unit_code = i.unit_code AND b.year = i.year AND b.ancestor_code IN (SELECT * FROM roots)))
)
SELECT i.year::INTEGER AS year, sc.name AS category, count(*)::INTEGER AS shortcomings,
       count(DISTINCT i.unit_code)::INTEGER AS units, count(*) FILTER (i.position > 0)::INTEGER AS recurring,
       round(count(*) FILTER (i.position > 0) / count(*), 4) AS recurring_share,
       i.category AS category_code, sc.sort_order::INTEGER AS sort_order
FROM items i LEFT JOIN shortcoming_categories sc ON sc.code = i.category
GROUP BY i.year, i.category, sc.name, sc.sort_order
ORDER BY year, sort_order, category COLLATE vi;
