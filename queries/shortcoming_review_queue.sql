-- name: shortcoming_review_queue
-- title: Cặp hạn chế cần người xác nhận
-- description: Pairs of shortcomings of a unit in different years whose wording is close but not close enough to
--   link automatically (analysis/shortcomings.py: REVIEW_THRESHOLD ≤ score < AUTO_THRESHOLD) and whose link would
--   extend a chain; a person confirms (cung_han_che) or rejects (khac_han_che) them. Highest score first.
-- param: unit text optional — mã hoặc tên đơn vị: các đơn vị trực thuộc
-- param: from_year int optional — từ năm (năm sau của cặp)
-- param: to_year int optional — đến năm (năm sau của cặp)
-- param: subject text optional — mã đối tượng của hạn chế năm sau (không ghi đối tượng luôn tính)
-- columns: unit, year_from, text_from, year_to, text_to, score, category_from, category_to, from_id, to_id,
--   unit_code
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1,
           CAST($subject AS VARCHAR) AS subject
),
roots AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
)
SELECT u.name AS unit, l.year_from::INTEGER AS year_from, a.text AS text_from, l.year_to::INTEGER AS year_to,
       b.text AS text_to, l.score, ca.name AS category_from, cb.name AS category_to, l.from_id, l.to_id, l.unit_code
FROM shortcoming_links l
JOIN shortcoming_items a ON a.item_id = l.from_id
JOIN shortcoming_items b ON b.item_id = l.to_id
LEFT JOIN units u ON u.unit_code = l.unit_code
LEFT JOIN shortcoming_categories ca ON ca.code = a.category
LEFT JOIN shortcoming_categories cb ON cb.code = b.category, p
WHERE l.status = 'cho_xem_xet'
  AND (p.y0 IS NULL OR l.year_to >= p.y0) AND (p.y1 IS NULL OR l.year_to <= p.y1)
  AND (p.subject IS NULL OR b.subjects IS NULL OR list_contains(string_split(b.subjects, ','), p.subject))
  AND (p.unit IS NULL
       OR l.unit_code IN (SELECT a2.unit_code FROM unit_ancestors a2 WHERE a2.ancestor_code IN (SELECT * FROM roots))
       OR EXISTS (SELECT 1 FROM unit_ancestors_by_year y
                  WHERE y.unit_code = l.unit_code AND y.year = l.year_to AND y.ancestor_code IN (SELECT * FROM roots)))
ORDER BY l.score DESC, unit COLLATE vi, l.year_to, l.from_id, l.to_id;
