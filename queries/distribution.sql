-- name: distribution
-- title: Phân bố xếp loại theo năm, đơn vị và đối tượng
-- description: Số lượng ở mỗi mức xếp loại cho một đơn vị (tính cả cây đơn vị trực thuộc), mỗi năm, mỗi đối tượng.
--   view 'nhu_bao_cao' (default): each year in the tree of that year. view 'cau_truc_hien_tai': every year mapped onto
--   the units alive in structure_year (default: the latest year with data) through lineage events — a merged unit's
--   predecessors are added up; a split with a known share is divided, without one the predecessor's counts are shown
--   against each successor and the row says so (note). A unit with no successor of its own follows its nearest
--   ancestor's. Where individual records exist they are counted; otherwise the aggregates reported by the topmost
--   reporting units are used (basis 'so_lieu_tong_hop'). Without a unit: every top-level unit. With parent: one row
--   set per direct subordinate of that unit in the structure year's tree (the drill-down in today's structure).
--   Today's structure of the latest year is kept ready for every top-level unit and its direct subordinates (table
--   today_counts, built at load time by derive/audits.py with tops = true: this statement over those units, whose
--   rows do not depend on each other); for them the query reads it (at national scale the mapping took ~2.5 s).
-- param: unit text optional — tên hoặc mã đơn vị (không phân biệt dấu, hoa thường)
-- param: subject text optional — mã đối tượng: tccsd, chi_bo, cap_uy, tap_the_lanh_dao, dang_vien, can_bo_lanh_dao
-- param: year int optional — năm đánh giá
-- param: view text optional — nhu_bao_cao (mặc định) hoặc cau_truc_hien_tai
-- param: structure_year int optional — năm của cơ cấu tổ chức khi view = cau_truc_hien_tai (mặc định: năm mới nhất)
-- param: parent text optional — mã đơn vị cấp trên: lấy các đơn vị trực thuộc trong cơ cấu của năm structure_year
-- param: tops bool optional — (khi dựng sẵn bảng today_counts) mọi đơn vị cấp cao nhất và trực thuộc của chúng
-- columns: year, unit, subject, htxs, htt, ht, khtnv, total, not_rated, unit_code, basis, note, tree_level, kind,
--   has_children
WITH RECURSIVE p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($subject AS VARCHAR) AS subject, CAST($year AS INTEGER) AS year,
           CAST($parent AS VARCHAR) AS parent,
           coalesce(CAST($view AS VARCHAR), 'nhu_bao_cao') AS view,
           coalesce(CAST($structure_year AS INTEGER), (SELECT max(year) FROM unit_ancestors_by_year)) AS s_year,
           coalesce(CAST($tops AS BOOLEAN), false) AS tops
),
-- the units whose today's structure table today_counts holds: every top-level unit and its direct subordinates in
-- the structure year's tree
kept AS (
    SELECT u.unit_code FROM units u, p WHERE p.view = 'cau_truc_hien_tai' AND u.parent_code IS NULL
    UNION
    SELECT a.unit_code FROM unit_ancestors_by_year a JOIN units u ON u.unit_code = a.ancestor_code, p
    WHERE p.view = 'cau_truc_hien_tai' AND a.year = p.s_year AND a.distance = 1 AND u.parent_code IS NULL
),
target AS (
    SELECT u.unit_code, u.name
    FROM units u, p
    WHERE p.parent IS NULL AND NOT p.tops
      AND ((p.unit IS NULL AND u.parent_code IS NULL) OR u.unit_code = p.unit OR u.name_key = vkey(p.unit))
    UNION
    SELECT u.unit_code, u.name
    FROM unit_ancestors_by_year a JOIN units u ON u.unit_code = a.unit_code, p
    WHERE p.parent IS NOT NULL AND NOT p.tops AND a.ancestor_code = p.parent AND a.distance = 1 AND a.year = p.s_year
    UNION
    SELECT u.unit_code, u.name FROM kept k JOIN units u USING (unit_code), p WHERE p.tops
),
target_r AS (      -- the targets as reported (none in today's structure: the scans below then stop at once)
    SELECT t.* FROM target t, p WHERE p.view <> 'cau_truc_hien_tai'
),
stored AS (        -- one row when today_counts answers: today's structure of its year, every target kept there
    SELECT true AS yes FROM p
    WHERE p.view = 'cau_truc_hien_tai' AND NOT p.tops
      AND EXISTS (SELECT 1 FROM today_counts c WHERE c.s_year = p.s_year)
      AND NOT EXISTS (SELECT 1 FROM target t WHERE t.unit_code NOT IN (SELECT unit_code FROM kept))
),
-- where each (year, unit) of the data belongs: itself (as reported) or its successor in the structure year
alive_s AS (        -- (only today's structure needs it: as reported it cost ~0.1 s for nothing)
    SELECT DISTINCT v.unit_code FROM unit_versions v, p
    WHERE p.view = 'cau_truc_hien_tai' AND p.s_year BETWEEN coalesce(v.first_year, 0) AND coalesce(v.last_year, 9999)
      AND NOT EXISTS (SELECT 1 FROM stored)
),
succ(unit_code, successor_code, share, split_unknown, depth) AS (
    SELECT unit_code, unit_code, 1.0::DOUBLE, false, 0 FROM units, p
    WHERE p.view = 'cau_truc_hien_tai' AND NOT EXISTS (SELECT 1 FROM stored)
    UNION ALL
    SELECT s.unit_code, e.new_code, s.share * coalesce(e.share, 1.0),
           s.split_unknown OR (e.event = 'chia_tach' AND e.share IS NULL), s.depth + 1
    FROM succ s JOIN lineage_events e ON e.old_code = s.successor_code AND e.old_code <> e.new_code, p
    WHERE e.year <= p.s_year AND s.depth < 12 AND s.successor_code NOT IN (SELECT unit_code FROM alive_s)
),
succ_final AS (
    SELECT unit_code, successor_code, sum(share) AS share, bool_or(split_unknown) AS split_unknown
    FROM succ WHERE successor_code IN (SELECT unit_code FROM alive_s) GROUP BY ALL
),
placed AS (         -- each (year, unit) at the successor of its nearest ancestor (itself first) that has one;
                    -- only the year asked for (today_counts adds a year at a time: all years took ~1.4 s, one ~1 s)
    SELECT a.year, a.unit_code, sf.successor_code, sf.share, sf.split_unknown
    FROM unit_ancestors_by_year a JOIN succ_final sf ON sf.unit_code = a.unit_code, p
    WHERE a.distance = 0 AND (p.year IS NULL OR a.year = p.year)
    UNION ALL          -- (ranking every ancestor of every unit took seconds; only units without one of their own)
    SELECT year, unit_code, successor_code, share, split_unknown FROM (
        SELECT a.year, a.unit_code, sf.successor_code, sf.share, sf.split_unknown,
               rank() OVER (PARTITION BY a.year, a.unit_code ORDER BY a.distance) AS r
        FROM unit_ancestors_by_year a JOIN succ_final sf ON sf.unit_code = a.ancestor_code, p
        WHERE a.distance > 0 AND a.unit_code NOT IN (SELECT unit_code FROM succ_final)
          AND (p.year IS NULL OR a.year = p.year)
    ) WHERE r = 1
),
-- (year, unit) → target, with the share of the unit's counts that the target receives: today's structure only;
-- as reported, a target holds its subtree in the tree of each year (unit_ancestors_by_year), read below through the
-- pre-summed subtree_counts and, for reported aggregates, from the few aggregate rows up.
member_of AS (
    SELECT t.unit_code AS target, pl.year, pl.unit_code, pl.share, pl.split_unknown
    FROM (SELECT t.* FROM target t, p WHERE p.view = 'cau_truc_hien_tai'      -- (no target as reported, nor when
            AND NOT EXISTS (SELECT 1 FROM stored)) t                           --  today_counts answers)
    JOIN unit_ancestors_by_year a ON a.ancestor_code = t.unit_code AND a.year = (SELECT s_year FROM p)
    JOIN placed pl ON pl.successor_code = a.unit_code
),
member_of_aggregates AS (   -- member_of, for the units and years that reported aggregates
    SELECT m.* FROM member_of m SEMI JOIN aggregate_counts a ON a.unit_code = m.unit_code AND a.year = m.year
    UNION ALL
    SELECT t.unit_code, x.year, x.unit_code, 1.0::DOUBLE, false
    FROM (SELECT DISTINCT unit_code, year FROM aggregate_counts) ac
    JOIN unit_ancestors_by_year x ON x.unit_code = ac.unit_code AND x.year = ac.year
    JOIN target_r t ON t.unit_code = x.ancestor_code
),
from_records AS (
    SELECT m.target, r.year, r.subject,
           sum(r.htxs * m.share) AS htxs, sum(r.htt * m.share) AS htt, sum(r.ht * m.share) AS ht,
           sum(r.khtnv * m.share) AS khtnv, sum(r.not_rated * m.share) AS not_rated,
           'ho_so_ca_nhan' AS basis, bool_or(m.split_unknown) AS split_unknown
    FROM member_of m
    JOIN (SELECT r.* FROM record_counts r, p WHERE p.view = 'cau_truc_hien_tai'        -- (empty as reported and
            AND NOT EXISTS (SELECT 1 FROM stored)                                     --  when stored: ~0.9 s)
            AND (p.year IS NULL OR r.year = p.year) AND (p.subject IS NULL OR r.subject = p.subject)) r
      ON r.unit_code = m.unit_code AND r.year = m.year
    GROUP BY ALL
    UNION ALL
    -- as reported: the target's own records (when it exists that year) plus its subordinates' pre-summed ones
    SELECT x.target, x.year, x.subject, sum(x.htxs)::DOUBLE, sum(x.htt)::DOUBLE, sum(x.ht)::DOUBLE,
           sum(x.khtnv)::DOUBLE, sum(x.not_rated)::DOUBLE, 'ho_so_ca_nhan', false
    FROM (
        SELECT t.unit_code AS target, r.year, r.subject, r.htxs, r.htt, r.ht, r.khtnv, r.not_rated
        FROM target_r t
        JOIN record_counts r ON r.unit_code = t.unit_code
        WHERE (r.year, r.unit_code) IN (SELECT a.year, a.unit_code FROM unit_ancestors_by_year a
                                        WHERE a.distance = 0 AND a.unit_code IN (SELECT unit_code FROM target_r))
        UNION ALL
        SELECT t.unit_code, s.year, s.subject, s.htxs, s.htt, s.ht, s.khtnv, s.not_rated
        FROM target_r t JOIN subtree_counts s ON s.unit_code = t.unit_code
    ) x, p
    WHERE p.view <> 'cau_truc_hien_tai'
      AND (p.year IS NULL OR x.year = p.year) AND (p.subject IS NULL OR x.subject = p.subject)
    GROUP BY ALL
),
reporting AS (   -- aggregate rows with no reporting ancestor (in the tree of their year) under the same target
    SELECT m.target, m.share, m.split_unknown, a.*
    FROM member_of_aggregates m JOIN aggregate_counts a ON a.unit_code = m.unit_code AND a.year = m.year, p
    WHERE (p.year IS NULL OR a.year = p.year) AND (p.subject IS NULL OR a.subject = p.subject)
      AND NOT EXISTS (
          SELECT 1
          FROM unit_ancestors_by_year up
          JOIN member_of_aggregates m2 ON m2.target = m.target AND m2.year = up.year
                                      AND m2.unit_code = up.ancestor_code
          JOIN aggregate_counts a2 ON a2.unit_code = up.ancestor_code AND a2.year = a.year AND a2.subject = a.subject
          WHERE up.year = a.year AND up.unit_code = a.unit_code AND up.distance > 0)
),
from_aggregates AS (
    SELECT target, year, subject, sum(htxs * share) AS htxs, sum(htt * share) AS htt, sum(ht * share) AS ht,
           sum(khtnv * share) AS khtnv, sum(not_rated * share) AS not_rated, 'so_lieu_tong_hop' AS basis,
           bool_or(split_unknown) AS split_unknown
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
counted AS (
    SELECT c.year::INTEGER AS year, c.target AS unit_code, c.subject,
           round(c.htxs)::BIGINT AS htxs, round(c.htt)::BIGINT AS htt, round(c.ht)::BIGINT AS ht,
           round(c.khtnv)::BIGINT AS khtnv, round(c.htxs + c.htt + c.ht + c.khtnv)::BIGINT AS total,
           round(c.not_rated)::BIGINT AS not_rated, c.basis,
           CASE WHEN c.split_unknown THEN 'chia_tach_khong_ro_ty_le' END AS note
    FROM combined c
    UNION ALL
    SELECT k.year, k.unit_code, k.subject, k.htxs, k.htt, k.ht, k.khtnv, k.total, k.not_rated, k.basis, k.note
    FROM today_counts k, p
    WHERE EXISTS (SELECT 1 FROM stored) AND k.s_year = p.s_year
      AND (p.year IS NULL OR k.year = p.year) AND (p.subject IS NULL OR k.subject = p.subject)
)
SELECT c.year, t.name AS unit, c.subject, c.htxs, c.htt, c.ht, c.khtnv, c.total, c.not_rated, t.unit_code, c.basis,
       c.note, u.tree_level, u.kind,
       t.unit_code IN (SELECT unit_code FROM unit_children) AS has_children
FROM counted c
JOIN target t ON t.unit_code = c.unit_code
JOIN units u ON u.unit_code = t.unit_code
JOIN subjects s ON s.code = c.subject
LEFT JOIN unit_tree ut ON ut.unit_code = t.unit_code
-- names in Vietnamese order through their ranks (collating 1.6 M names when today_counts is built took 3.5 s)
ORDER BY ut.name_order, t.unit_code, c.year, s.sort_order;
