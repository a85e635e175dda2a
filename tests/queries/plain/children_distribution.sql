-- name: children_distribution
-- title: Phân bố xếp loại của các đơn vị trực thuộc
-- description: For each direct subordinate unit of a unit, each year and one subject: the counts at each level over
--   the subordinate's whole subtree, as reported: in the tree of each year (unit_ancestors_by_year), so a unit shows
--   the years it was a direct subordinate (a commune merged in 2025 ends in 2024, its successor starts in 2025).
--   Counting rule as in distribution.sql: individual records where the subtree has them, else the aggregate counts
--   of the topmost reporting units inside it (basis = 'so_lieu_tong_hop'). has_children tells whether one can go one
--   level further down. Order: by tree level, then Loại hình, then name (Vietnamese order).
-- param: unit text required — mã hoặc tên đơn vị cấp trên (không phân biệt dấu, hoa thường)
-- param: subject text required — mã đối tượng
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- columns: year, unit, unit_code, tree_level, kind, htxs, htt, ht, khtnv, total, not_rated, basis, has_children
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($subject AS VARCHAR) AS subject,
           CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1
),
parent AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
kid_years AS (   -- (subordinate, year) for each year it was a direct subordinate of the unit
    SELECT a.unit_code AS target, a.year
    FROM unit_ancestors_by_year a, p
    WHERE a.ancestor_code IN (SELECT unit_code FROM parent) AND a.distance = 1
      AND (p.y0 IS NULL OR a.year >= p.y0) AND (p.y1 IS NULL OR a.year <= p.y1)
),
subtree AS (     -- everything under each subordinate, in the tree of the year
    SELECT k.target, a.year, a.unit_code
    FROM kid_years k JOIN unit_ancestors_by_year a ON a.ancestor_code = k.target AND a.year = k.year
),
from_records AS (
    SELECT s.target, r.year, r.subject,
           sum(r.htxs) AS htxs, sum(r.htt) AS htt, sum(r.ht) AS ht, sum(r.khtnv) AS khtnv,
           sum(r.not_rated) AS not_rated, 'ho_so_ca_nhan' AS basis
    FROM subtree s JOIN record_counts r ON r.unit_code = s.unit_code AND r.year = s.year, p
    WHERE r.subject = p.subject
    GROUP BY ALL
),
reporting AS (   -- aggregate rows with no reporting ancestor (in the tree of their year) under the same subordinate
    SELECT s.target, a.*
    FROM subtree s JOIN aggregate_counts a ON a.unit_code = s.unit_code AND a.year = s.year, p
    WHERE a.subject = p.subject
      AND NOT EXISTS (
          SELECT 1
          FROM unit_ancestors_by_year up
          JOIN subtree s2 ON s2.target = s.target AND s2.year = up.year AND s2.unit_code = up.ancestor_code
          JOIN aggregate_counts a2 ON a2.unit_code = up.ancestor_code AND a2.year = a.year AND a2.subject = a.subject
          WHERE up.year = a.year AND up.unit_code = a.unit_code AND up.distance > 0)
),
from_aggregates AS (
    SELECT target, year, subject, sum(htxs) AS htxs, sum(htt) AS htt, sum(ht) AS ht, sum(khtnv) AS khtnv,
           sum(not_rated) AS not_rated, 'so_lieu_tong_hop' AS basis
    FROM reporting r
    WHERE NOT EXISTS (SELECT 1 FROM from_records f
                      WHERE f.target = r.target AND f.year = r.year AND f.subject = r.subject)
    GROUP BY ALL
),
combined AS (
    SELECT * FROM from_records
    UNION ALL
    SELECT * FROM from_aggregates
),
branching AS (
    SELECT DISTINCT ancestor_code AS unit_code FROM unit_ancestors_by_year WHERE distance = 1
)
SELECT c.year::INTEGER AS year, u.name AS unit, u.unit_code, u.tree_level, u.kind,
       c.htxs::BIGINT AS htxs, c.htt::BIGINT AS htt, c.ht::BIGINT AS ht, c.khtnv::BIGINT AS khtnv,
       (c.htxs + c.htt + c.ht + c.khtnv)::BIGINT AS total, c.not_rated::BIGINT AS not_rated, c.basis,
       (u.unit_code IN (SELECT unit_code FROM branching)) AS has_children
FROM combined c
JOIN units u ON u.unit_code = c.target
LEFT JOIN tree_levels tl ON tl.code = u.tree_level
ORDER BY tl.depth NULLS LAST, u.tree_level, u.kind COLLATE vi NULLS FIRST, unit COLLATE vi, u.unit_code, year;
