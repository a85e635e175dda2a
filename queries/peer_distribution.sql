-- name: peer_distribution
-- title: So sánh một đơn vị với các đơn vị cùng loại
-- description: The unit and its peers — every unit at the same tree level (Cấp tổ chức) with the same Loại hình —
--   each year, for one subject: counts at each level over each peer's subtree in the tree of that year (counting
--   rule as in distribution.sql). is_self marks the unit itself; parent_name tells peers with the same name apart.
-- param: unit text required — mã hoặc tên đơn vị
-- param: subject text required — mã đối tượng
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- columns: year, unit, unit_code, parent_name, is_self, htxs, htt, ht, khtnv, total, not_rated, basis
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($subject AS VARCHAR) AS subject,
           CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1
),
me AS (
    SELECT u.unit_code, u.tree_level, u.kind FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
peer AS (         -- same level and Loại hình (a blank one is NULL, never '': the loader stores no empty text);
                  -- as IN, not a join on IS NOT DISTINCT FROM: planned as a join, the estimate of the peers was so
                  -- large that the own records below were hashed (2.4 M rows nationally) instead of the peers
    SELECT u.unit_code FROM units u
    WHERE (coalesce(u.tree_level, ''), coalesce(u.kind, '')) IN (SELECT coalesce(tree_level, ''), coalesce(kind, '')
                                                                 FROM me)
),
subtree AS (       -- the peers' units that reported aggregates (records are read pre-summed below)
    SELECT a.ancestor_code AS target, a.year, a.unit_code
    FROM unit_ancestors_by_year a, p
    WHERE a.ancestor_code IN (SELECT unit_code FROM peer)
      AND (a.unit_code, a.year) IN (SELECT unit_code, year FROM aggregate_counts)
      AND (p.y0 IS NULL OR a.year >= p.y0) AND (p.y1 IS NULL OR a.year <= p.y1)
),
from_records AS (  -- each peer's own records (the years it is in the tree) plus its subordinates' pre-summed ones;
                   -- subject and years filtered in each branch (after the union, all 7.6 M records were joined)
    SELECT x.target, x.year, x.subject,
           sum(x.htxs) AS htxs, sum(x.htt) AS htt, sum(x.ht) AS ht, sum(x.khtnv) AS khtnv,
           sum(x.not_rated) AS not_rated, 'ho_so_ca_nhan' AS basis
    FROM (
        SELECT r.unit_code AS target, r.year, r.subject, r.htxs, r.htt, r.ht, r.khtnv, r.not_rated
        FROM record_counts r
        JOIN unit_ancestors_by_year a ON a.unit_code = r.unit_code AND a.ancestor_code = r.unit_code AND a.year = r.year,
             p
        WHERE r.unit_code IN (SELECT unit_code FROM peer) AND r.subject = p.subject
          AND (p.y0 IS NULL OR r.year >= p.y0) AND (p.y1 IS NULL OR r.year <= p.y1)
        UNION ALL
        SELECT s.unit_code, s.year, s.subject, s.htxs, s.htt, s.ht, s.khtnv, s.not_rated
        FROM subtree_counts s, p
        WHERE s.unit_code IN (SELECT unit_code FROM peer) AND s.subject = p.subject
          AND (p.y0 IS NULL OR s.year >= p.y0) AND (p.y1 IS NULL OR s.year <= p.y1)
    ) x
    GROUP BY ALL
),
reporting AS (
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
)
SELECT c.year::INTEGER AS year, u.name AS unit, u.unit_code, pu.name AS parent_name,
       (u.unit_code IN (SELECT unit_code FROM me)) AS is_self,
       c.htxs::BIGINT AS htxs, c.htt::BIGINT AS htt, c.ht::BIGINT AS ht, c.khtnv::BIGINT AS khtnv,
       (c.htxs + c.htt + c.ht + c.khtnv)::BIGINT AS total, c.not_rated::BIGINT AS not_rated, c.basis
FROM combined c
JOIN units u ON u.unit_code = c.target
LEFT JOIN units pu ON pu.unit_code = u.parent_code
ORDER BY unit COLLATE vi, u.unit_code, year;
