-- name: shortcoming_366
-- title: Xếp loại "Hoàn thành xuất sắc nhiệm vụ" khi hạn chế của kỳ trước chưa khắc phục (366-QĐ/TW)
-- description: 366-QĐ/TW (from the first year of the regime whose party_rule is 366-QĐ/TW, table regimes): a
--   collective may be rated Hoàn thành xuất sắc nhiệm vụ only if 100% of the shortcomings identified at the previous
--   review were fixed. One row per collective rated level 1 in such a year whose previous review (its own latest
--   earlier year with shortcomings, or its predecessors' — lineage events) named shortcomings not shown fixed:
--   open = reported chua_khac_phuc or dang_khac_phuc; recurred = reported fixed (or not reported) but linked to a
--   shortcoming of the rated year (analysis/shortcomings.py); unreported = no remedy reported and no recurrence.
--   status vi_pham when some are reported open; can_xem_xet when only recurred (a wording match, to be confirmed)
--   or unreported. Shortcomings of another subject of the same unit do not count (NULL subject counts for all).
-- param: unit text optional — mã hoặc tên đơn vị: các đơn vị trực thuộc
-- param: year int optional — năm đánh giá
-- columns: year, unit, subject, previous_year, previous, open, recurred, unreported, status, texts, unit_code, rule
WITH p AS (SELECT CAST($unit AS VARCHAR) AS unit, CAST($year AS INTEGER) AS year),
rule AS (
    SELECT min(first_year) AS first_year, any_value(party_rule) AS party_rule
    FROM regimes WHERE party_rule LIKE '366-QĐ/TW%'
),
roots AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
rated AS (
    SELECT c.year, c.unit_code, c.subject FROM collective_ratings c, rule r, p
    WHERE c.level = 1 AND c.year >= r.first_year AND (p.year IS NULL OR c.year = p.year)
),
family AS (        -- the unit and its predecessors up to the rated year
    SELECT year, unit_code, subject, unit_code AS src FROM rated
    UNION
    SELECT r.year, r.unit_code, r.subject, e.old_code FROM rated r
    JOIN lineage_events e ON e.new_code = r.unit_code AND e.year <= r.year AND e.old_code <> e.new_code
),
candidates AS (    -- earlier shortcomings of the same subject (or of no stated subject)
    SELECT f.year, f.unit_code, f.subject, i.item_id, i.year AS item_year, i.text, i.remedy_status
    FROM family f JOIN shortcoming_items i ON i.unit_code = f.src AND i.year < f.year
    WHERE i.subjects IS NULL OR list_contains(string_split(i.subjects, ','), f.subject)
),
previous AS (
    SELECT c.* FROM candidates c
    WHERE c.item_year = (SELECT max(c2.item_year) FROM candidates c2
                         WHERE c2.year = c.year AND c2.unit_code = c.unit_code AND c2.subject = c.subject)
),
judged AS (
    SELECT pr.*,
           pr.remedy_status IN ('chua_khac_phuc', 'dang_khac_phuc') AS is_open,
           EXISTS (SELECT 1 FROM shortcoming_chain_items a
                   JOIN shortcoming_chain_items b ON b.chain_id = a.chain_id
                   JOIN shortcoming_items j ON j.item_id = b.item_id
                   WHERE a.item_id = pr.item_id AND j.year = pr.year) AS recurred
    FROM previous pr
)
SELECT j.year::INTEGER AS year, u.name AS unit, j.subject, max(j.item_year)::INTEGER AS previous_year,
       count(*)::INTEGER AS previous, count(*) FILTER (j.is_open)::INTEGER AS open,
       count(*) FILTER (j.recurred AND NOT j.is_open)::INTEGER AS recurred,
       count(*) FILTER (j.remedy_status IS NULL AND NOT j.recurred)::INTEGER AS unreported,
       CASE WHEN count(*) FILTER (j.is_open) > 0 THEN 'vi_pham' ELSE 'can_xem_xet' END AS status,
       string_agg(j.item_year || ': ' || j.text || ' (' || coalesce(j.remedy_status, 'chưa báo cáo') || ')', ' | '
                  ORDER BY j.text, j.item_year) FILTER (j.is_open OR j.recurred OR j.remedy_status IS NULL) AS texts,
       j.unit_code, any_value(r.party_rule) AS rule
FROM judged j LEFT JOIN units u ON u.unit_code = j.unit_code, rule r, p
WHERE (p.unit IS NULL
       OR j.unit_code IN (SELECT a.unit_code FROM unit_ancestors a WHERE a.ancestor_code IN (SELECT * FROM roots))
       OR EXISTS (SELECT 1 FROM unit_ancestors_by_year y
                  WHERE y.unit_code = j.unit_code AND y.year = j.year AND y.ancestor_code IN (SELECT * FROM roots)))
GROUP BY j.year, u.name, j.subject, j.unit_code
HAVING count(*) FILTER (j.is_open OR j.recurred OR j.remedy_status IS NULL) > 0
ORDER BY status DESC, year DESC, open DESC, unit COLLATE vi, j.unit_code, j.subject;
