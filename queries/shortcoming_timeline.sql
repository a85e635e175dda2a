-- name: shortcoming_timeline
-- title: Hạn chế, khuyết điểm của một đơn vị theo năm và nhóm
-- description: One row per year and category for one unit and its predecessors (lineage events): the shortcomings
--   of that year in that category, how many repeat an earlier review (recurring), the least remedied status reported
--   (chua_khac_phuc > dang_khac_phuc > da_khac_phuc), the texts, and the chains they belong to.
-- param: unit text required — mã hoặc tên đơn vị
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- param: subject text optional — mã đối tượng (hạn chế không ghi đối tượng luôn tính)
-- columns: year, category, shortcomings, recurring, worst_status, texts, category_code, unit_code, chain_ids
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1,
           CAST($subject AS VARCHAR) AS subject
),
target AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
family AS (        -- the unit and its predecessors (merged, renamed, moved units)
    SELECT unit_code FROM target
    UNION
    SELECT e.old_code FROM lineage_events e WHERE e.new_code IN (SELECT unit_code FROM target)
)
SELECT i.year::INTEGER AS year, sc.name AS category, count(*)::INTEGER AS shortcomings,
       count(*) FILTER (c.position > 0)::INTEGER AS recurring,
       CASE max(CASE i.remedy_status WHEN 'chua_khac_phuc' THEN 3 WHEN 'dang_khac_phuc' THEN 2
                                     WHEN 'da_khac_phuc' THEN 1 END)
            WHEN 3 THEN 'chua_khac_phuc' WHEN 2 THEN 'dang_khac_phuc' WHEN 1 THEN 'da_khac_phuc' END AS worst_status,
       string_agg(i.text, ' | ' ORDER BY i.text) AS texts, i.category AS category_code,
       arg_max(i.unit_code, i.year) AS unit_code, string_agg(DISTINCT c.chain_id, ',' ORDER BY c.chain_id) AS chain_ids
FROM shortcoming_items i JOIN shortcoming_chain_items c USING (item_id)
LEFT JOIN shortcoming_categories sc ON sc.code = i.category, p
WHERE i.unit_code IN (SELECT unit_code FROM family)
  AND (p.y0 IS NULL OR i.year >= p.y0) AND (p.y1 IS NULL OR i.year <= p.y1)
  AND (p.subject IS NULL OR i.subjects IS NULL OR list_contains(string_split(i.subjects, ','), p.subject))
GROUP BY i.year, i.category, sc.name, sc.sort_order
ORDER BY year, sc.sort_order, category COLLATE vi;
