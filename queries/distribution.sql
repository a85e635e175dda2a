-- name: distribution
-- title: Phân bố xếp loại theo năm, đơn vị và đối tượng
-- description: Số lượng ở mỗi mức xếp loại cho một đơn vị (tính cả cây đơn vị trực thuộc), mỗi năm, mỗi đối tượng.
--   Where individual records exist in the subtree they are counted; otherwise the aggregate counts reported by the
--   topmost reporting units of the subtree are used (basis = 'so_lieu_tong_hop'). Without a unit: every top unit.
-- param: unit text optional — tên hoặc mã đơn vị (không phân biệt dấu, hoa thường)
-- param: subject text optional — mã đối tượng: tccsd, chi_bo, cap_uy, tap_the_lanh_dao, dang_vien, can_bo_lanh_dao
-- param: year int optional — năm đánh giá
-- columns: year, unit, subject, htxs, htt, ht, khtnv, total, not_rated, unit_code, basis
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($subject AS VARCHAR) AS subject, CAST($year AS INTEGER) AS year
),
target AS (
    SELECT u.unit_code, u.name
    FROM units u, p
    WHERE (p.unit IS NULL AND u.parent_code IS NULL)
       OR u.unit_code = p.unit
       OR u.name_key = vkey(p.unit)
),
subtree AS (
    SELECT t.unit_code AS target, a.unit_code
    FROM target t JOIN unit_ancestors a ON a.ancestor_code = t.unit_code
),
from_records AS (
    SELECT s.target, r.year, r.subject,
           sum(r.htxs) AS htxs, sum(r.htt) AS htt, sum(r.ht) AS ht, sum(r.khtnv) AS khtnv,
           sum(r.not_rated) AS not_rated, 'ho_so_ca_nhan' AS basis
    FROM subtree s JOIN record_counts r USING (unit_code), p
    WHERE (p.year IS NULL OR r.year = p.year) AND (p.subject IS NULL OR r.subject = p.subject)
    GROUP BY ALL
),
reporting AS (   -- aggregate rows in the subtree with no reporting ancestor inside the same subtree
    SELECT s.target, a.*
    FROM subtree s JOIN aggregate_counts a USING (unit_code), p
    WHERE (p.year IS NULL OR a.year = p.year) AND (p.subject IS NULL OR a.subject = p.subject)
      AND NOT EXISTS (
          SELECT 1
          FROM unit_ancestors up
          JOIN subtree s2 ON s2.target = s.target AND s2.unit_code = up.ancestor_code
          JOIN aggregate_counts a2 ON a2.unit_code = up.ancestor_code AND a2.year = a.year AND a2.subject = a.subject
          WHERE up.unit_code = a.unit_code AND up.distance > 0)
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
SELECT c.year::INTEGER AS year, t.name AS unit, c.subject,
       c.htxs::BIGINT AS htxs, c.htt::BIGINT AS htt, c.ht::BIGINT AS ht, c.khtnv::BIGINT AS khtnv,
       (c.htxs + c.htt + c.ht + c.khtnv)::BIGINT AS total, c.not_rated::BIGINT AS not_rated,
       t.unit_code, c.basis
FROM combined c
JOIN target t ON t.unit_code = c.target
JOIN subjects s ON s.code = c.subject
ORDER BY t.name COLLATE vi, c.year, s.sort_order;
