-- name: recurring_shortcomings
-- title: Hạn chế, khuyết điểm tái diễn qua các kỳ kiểm điểm
-- description: One row per chain of the same shortcoming recurring in a unit (analysis/shortcomings.py links the
--   shortcomings of consecutive reviews of a unit, or of a unit and its predecessor, by their wording; a person may
--   confirm or reject a link). unit is the unit of the latest shortcoming of the chain; category its most frequent
--   category other than 'khac'; years the number of review years in the chain; consecutive true when no year is
--   missing between first_year and last_year; latest_status the remedy reported for the latest shortcoming
--   ("Đã khắc phục" | "Đang khắc phục" | "Chưa khắc phục", empty when not reported; latest_status_code the same as
--   da_khac_phuc | dang_khac_phuc | chua_khac_phuc); unresolved true unless it is da_khac_phuc; fixed_then_recurred
--   counts the years a shortcoming was reported fixed and came back; texts the wording of each year. Only the
--   shortcomings inside the year range count. With a unit, every chain that has a shortcoming in the unit's subtree
--   (that year's tree or today's), with all its years — those of a predecessor too. Over the whole range of years the
--   chains are read from table chain_summary (built at load time by derive/audits.py with this query itself,
--   min_years = 1: ~0.5 s per request nationally); a narrower range is computed.
-- param: unit text optional — mã hoặc tên đơn vị: các đơn vị trực thuộc (cả theo cây của từng năm)
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- param: category text optional — mã nhóm hạn chế
-- param: min_years int optional — số năm tối thiểu (mặc định 2)
-- param: unresolved bool optional — chỉ các chuỗi chưa khắc phục
-- param: subject text optional — mã đối tượng: chuỗi có hạn chế của đối tượng này (không ghi đối tượng: luôn tính)
-- param: texts bool optional — kèm lời văn từng năm (mặc định có; không: cột texts để trống, nhanh hơn nhiều)
-- columns: unit, category, first_year, last_year, years, consecutive, latest_status, texts, unit_code,
--   category_code, unresolved, fixed_then_recurred, confirmed_links, chain_id, latest_status_code
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1,
           CAST($category AS VARCHAR) AS category, coalesce(CAST($min_years AS INTEGER), 2) AS min_years,
           coalesce(CAST($unresolved AS BOOLEAN), false) AS only_open, CAST($subject AS VARCHAR) AS subject,
           coalesce(CAST($texts AS BOOLEAN), true) AS with_texts
),
roots AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
whole_range AS (   -- one row when chain_summary answers: it holds chains, and the range covers every year
    SELECT true AS yes FROM p
    WHERE EXISTS (SELECT 1 FROM chain_summary)
      AND (p.y0 IS NULL OR p.y0 <= (SELECT min(year) FROM shortcoming_items))
      AND (p.y1 IS NULL OR p.y1 >= (SELECT max(year) FROM shortcoming_items))
),
in_range AS (      -- (not needed when chain_summary answers without a unit or subject to look for)
    SELECT i.*, c.chain_id FROM shortcoming_items i JOIN shortcoming_chain_items c USING (item_id), p
    WHERE (p.y0 IS NULL OR i.year >= p.y0) AND (p.y1 IS NULL OR i.year <= p.y1)
      AND (p.unit IS NOT NULL OR p.subject IS NOT NULL OR NOT EXISTS (SELECT 1 FROM whole_range))
),
touching AS (      -- chains with a shortcoming of the subject in the unit's subtree (a merged unit keeps its
                   -- predecessors' history)
    SELECT i.chain_id FROM in_range i, p
    WHERE (p.subject IS NULL OR i.subjects IS NULL OR list_contains(string_split(i.subjects, ','), p.subject))
      AND (p.unit IS NULL
           OR i.unit_code IN (SELECT a.unit_code FROM unit_ancestors a
                              WHERE a.ancestor_code IN (SELECT * FROM roots))
           OR EXISTS (SELECT 1 FROM unit_ancestors_by_year b
                      WHERE b.unit_code = i.unit_code AND b.year = i.year
                        AND b.ancestor_code IN (SELECT * FROM roots)))
),
items AS (         -- whole chains that touch the unit's subtree, computed when chain_summary does not answer
    SELECT * FROM in_range
    WHERE chain_id IN (SELECT chain_id FROM touching) AND NOT EXISTS (SELECT 1 FROM whole_range)
),
cat_rank AS (      -- the chain's category: its most frequent one other than 'khac', the latest on a tie
    SELECT chain_id, category,
           row_number() OVER (PARTITION BY chain_id
                              ORDER BY (category = 'khac'), count(*) DESC, max(year) DESC, category) AS r
    FROM items GROUP BY chain_id, category
),
category_order AS (
    SELECT code, name, dense_rank() OVER (ORDER BY name COLLATE vi) AS name_order FROM shortcoming_categories
),
links AS (
    SELECT l.to_id, l.basis FROM shortcoming_links l WHERE l.status = 'lien_ket'
),
chains AS (
    SELECT i.chain_id,
           arg_max(i.unit_code, i.year) AS unit_code,
           min(i.year)::INTEGER AS first_year, max(i.year)::INTEGER AS last_year,
           count(DISTINCT i.year)::INTEGER AS years,
           arg_max(i.remedy_status, i.year) AS latest_status,
           count(*) FILTER (i.remedy_status = 'da_khac_phuc' AND i.year < (SELECT max(j.year) FROM items j
                                                                            WHERE j.chain_id = i.chain_id))::INTEGER
               AS fixed_then_recurred,
           count(*) FILTER (l.basis = 'xac_nhan')::INTEGER AS confirmed_links
    FROM items i LEFT JOIN links l ON l.to_id = i.item_id
    GROUP BY i.chain_id
),
kept AS (
    SELECT c.*, r.category AS category_code
    FROM chains c JOIN cat_rank r ON r.chain_id = c.chain_id AND r.r = 1, p
    WHERE c.years >= p.min_years
      AND (p.category IS NULL OR r.category = p.category)
      AND (NOT p.only_open OR c.latest_status IS DISTINCT FROM 'da_khac_phuc')
),
texts AS (         -- each year's wording, in (year, item) order, for the chains kept only: a list sorted per chain
                   -- (an ordered string_agg over every chain took ~1 s nationally); none when not asked for
    SELECT i.chain_id,
           list_aggr(list_transform(list_sort(list({'y': i.year, 'id': i.item_id, 't': i.text})),
                                    lambda x: x.y || ': ' || x.t), 'string_agg', ' | ') AS texts
    FROM items i, p
    WHERE p.with_texts AND i.chain_id IN (SELECT chain_id FROM kept)
    GROUP BY i.chain_id
),
answer AS (        -- the chains kept, computed or read from chain_summary
    SELECT c.chain_id, c.unit_code, c.category_code, c.first_year, c.last_year, c.years, c.latest_status,
           c.fixed_then_recurred, c.confirmed_links, t.texts
    FROM kept c LEFT JOIN texts t ON t.chain_id = c.chain_id
    UNION ALL
    SELECT s.chain_id, s.unit_code, s.category_code, s.first_year, s.last_year, s.years, s.latest_status,
           s.fixed_then_recurred, s.confirmed_links, CASE WHEN p.with_texts THEN s.texts END
    FROM chain_summary s, p
    WHERE EXISTS (SELECT 1 FROM whole_range) AND s.years >= p.min_years
      AND (p.category IS NULL OR s.category_code = p.category)
      AND (NOT p.only_open OR s.latest_status IS DISTINCT FROM 'da_khac_phuc')
      AND ((p.unit IS NULL AND p.subject IS NULL) OR s.chain_id IN (SELECT chain_id FROM touching))
)
SELECT ut.name AS unit, sc.name AS category, c.first_year, c.last_year, c.years,
       (c.last_year - c.first_year + 1 = c.years) AS consecutive,
       CASE c.latest_status WHEN 'da_khac_phuc' THEN 'Đã khắc phục' WHEN 'dang_khac_phuc' THEN 'Đang khắc phục'
                            WHEN 'chua_khac_phuc' THEN 'Chưa khắc phục' END AS latest_status, c.texts, c.unit_code,
       c.category_code, (c.latest_status IS DISTINCT FROM 'da_khac_phuc') AS unresolved,
       c.fixed_then_recurred, c.confirmed_links, c.chain_id, c.latest_status AS latest_status_code
FROM answer c
LEFT JOIN unit_tree ut ON ut.unit_code = c.unit_code
LEFT JOIN category_order sc ON sc.code = c.category_code
-- names in Vietnamese order through their ranks (collating the names of 166 k rows took ~0.8 s)
ORDER BY c.years DESC, unresolved DESC, c.last_year DESC, ut.name_order, sc.name_order, c.chain_id;
