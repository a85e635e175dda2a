-- name: unit_distribution
-- title: Xếp loại đảng viên và tổ chức trực thuộc của một đơn vị, theo năm
-- description: One unit, each year and subject: counts at each level of its members and of its subordinate
--   organizations and collectives. The unit's own rating as a collective is left out (see unit_collective_ratings).
--   Counted as reported: in the tree of each year (unit_ancestors_by_year); counting rule as in distribution.sql
--   (individual records, else the topmost reported aggregates). With
--   with_predecessors, a year and subject for which the unit itself has no counts takes the counts of its
--   predecessors (lineage_events followed back through several events) for the years before each event: merges,
--   renames and moves add the predecessor's counts; a split adds them times the split share, rounded, when the share
--   is known, and nothing when it is not. from_predecessors marks those rows.
-- param: unit text required — mã hoặc tên đơn vị
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- param: with_predecessors bool optional — lấy số liệu của các đơn vị tiền thân cho những năm trước khi sáp nhập, chia tách, đổi tên
-- columns: year, subject, htxs, htt, ht, khtnv, total, not_rated, basis, from_predecessors
WITH RECURSIVE p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1,
           coalesce(CAST($with_predecessors AS BOOLEAN), false) AS with_pred
),
me AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
src(code, before_year, weight, generation) AS (
    SELECT unit_code, 10000, 1.0::DOUBLE, 0 FROM me
    UNION ALL
    SELECT l.old_code, least(src.before_year, l.year), src.weight * (CASE WHEN l.event = 'chia_tach' THEN l.share
                                                                          ELSE 1.0 END),
           src.generation + 1
    FROM src JOIN lineage_events l ON l.new_code = src.code, p
    WHERE p.with_pred AND src.generation < 8 AND (l.event <> 'chia_tach' OR l.share IS NOT NULL)
),
subtree AS (
    SELECT s.code AS target, s.before_year, s.weight, s.generation, a.year, a.unit_code, a.distance
    FROM src s JOIN unit_ancestors_by_year a ON a.ancestor_code = s.code, p
    WHERE a.year < s.before_year AND (p.y0 IS NULL OR a.year >= p.y0) AND (p.y1 IS NULL OR a.year <= p.y1)
),
from_records AS (
    SELECT st.target, st.before_year, st.weight, st.generation, r.year, r.subject,
           sum(r.htxs) AS htxs, sum(r.htt) AS htt, sum(r.ht) AS ht, sum(r.khtnv) AS khtnv,
           sum(r.not_rated) AS not_rated, 'ho_so_ca_nhan' AS basis
    FROM subtree st JOIN record_counts r ON r.unit_code = st.unit_code AND r.year = st.year
    JOIN subjects sj ON sj.code = r.subject
    WHERE NOT (st.distance = 0 AND NOT sj.is_individual)      -- the unit's own collective rating
    GROUP BY ALL
),
reporting AS (
    SELECT st.target, st.before_year, st.weight, st.generation, a.*
    FROM subtree st JOIN aggregate_counts a ON a.unit_code = st.unit_code AND a.year = st.year
    WHERE NOT EXISTS (
          SELECT 1
          FROM unit_ancestors_by_year up
          JOIN subtree s2 ON s2.target = st.target AND s2.year = up.year AND s2.unit_code = up.ancestor_code
          JOIN aggregate_counts a2 ON a2.unit_code = up.ancestor_code AND a2.year = a.year AND a2.subject = a.subject
          WHERE up.year = a.year AND up.unit_code = a.unit_code AND up.distance > 0)
),
from_aggregates AS (
    SELECT target, before_year, weight, generation, year, subject, sum(htxs) AS htxs, sum(htt) AS htt,
           sum(ht) AS ht, sum(khtnv) AS khtnv, sum(not_rated) AS not_rated, 'so_lieu_tong_hop' AS basis
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
usable AS (   -- the unit's own counts; predecessors only where the unit itself has none
    SELECT c.* FROM combined c WHERE c.generation = 0
    UNION ALL
    SELECT c.* FROM combined c
    WHERE c.generation > 0
      AND NOT EXISTS (SELECT 1 FROM combined o WHERE o.generation = 0 AND o.year = c.year AND o.subject = c.subject)
)
SELECT u.year::INTEGER AS year, u.subject,
       round(sum(u.htxs * u.weight))::BIGINT AS htxs, round(sum(u.htt * u.weight))::BIGINT AS htt,
       round(sum(u.ht * u.weight))::BIGINT AS ht, round(sum(u.khtnv * u.weight))::BIGINT AS khtnv,
       (round(sum(u.htxs * u.weight)) + round(sum(u.htt * u.weight)) + round(sum(u.ht * u.weight))
        + round(sum(u.khtnv * u.weight)))::BIGINT AS total,
       round(sum(u.not_rated * u.weight))::BIGINT AS not_rated,
       CASE WHEN count(DISTINCT u.basis) = 1 THEN min(u.basis) ELSE 'ket_hop' END AS basis,
       bool_or(u.generation > 0) AS from_predecessors
FROM usable u
JOIN subjects s ON s.code = u.subject
GROUP BY u.year, u.subject, s.sort_order
ORDER BY year, s.sort_order;
