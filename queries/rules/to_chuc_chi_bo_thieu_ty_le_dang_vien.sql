-- rule: to_chuc_chi_bo_thieu_ty_le_dang_vien
-- title: Chi bộ xếp HTXS hoặc HTT nhưng tỷ lệ đảng viên từ HTNV, từ HTT trở lên chưa đạt
-- years: 2018-
-- severity: vi_pham 2019-2022; can_xem_xet 2018, 2023-
-- document: 21-HD/BTCTW (18/10/2019): chi bộ HTXS có 100% đảng viên từ "Hoàn thành nhiệm vụ" trở lên và ít nhất 80%
--   từ "Hoàn thành tốt nhiệm vụ" trở lên; chi bộ HTT: 100% và ít nhất 50%. Năm 2018 (16-HD) và từ 2023 (25-HD,
--   43-HD) chưa đối chiếu văn bản: cùng ngưỡng, ở mức cần xem xét.
-- description: Collective ratings (chi_bo or tccsd) at HTXS or HTT of a unit whose own members are counted: the
--   individual records of the chi bộ, else the counts it reported (tree level chi bộ only). Thresholds from the config.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: htxs_min_htnv float required — tỷ lệ tối thiểu đảng viên từ HTNV trở lên khi chi bộ xếp HTXS
-- param: htxs_min_htt float required — tỷ lệ tối thiểu đảng viên từ HTT trở lên khi chi bộ xếp HTXS
-- param: htt_min_htnv float required — tỷ lệ tối thiểu đảng viên từ HTNV trở lên khi chi bộ xếp HTT
-- param: htt_min_htt float required — tỷ lệ tối thiểu đảng viên từ HTT trở lên khi chi bộ xếp HTT
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.*, l.short FROM collective_ratings c JOIN levels l ON l.level = c.level
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level IN (1, 2) AND c.subject IN ('chi_bo', 'tccsd')
),
members AS (   -- the chi bộ's own members: individual records, else the counts it reported
    SELECT year, unit_code, htxs, htt, ht, khtnv, 'ho_so_ca_nhan' AS member_basis
    FROM record_counts WHERE subject = 'dang_vien'
    UNION ALL
    SELECT a.year, a.unit_code, a.htxs, a.htt, a.ht, a.khtnv, 'so_lieu_tong_hop'
    FROM aggregate_counts a JOIN units u USING (unit_code)
    WHERE a.subject = 'dang_vien' AND u.tree_level IN ('chi_bo_co_so', 'chi_bo_truc_thuoc')
      AND NOT EXISTS (SELECT 1 FROM record_counts r
                      WHERE r.unit_code = a.unit_code AND r.year = a.year AND r.subject = 'dang_vien')
),
checked AS (
    SELECT r.*, m.member_basis, m.htxs + m.htt + m.ht + m.khtnv AS total, m.khtnv, m.htxs + m.htt AS good,
           CASE r.level WHEN 1 THEN $htxs_min_htnv ELSE $htt_min_htnv END AS need_htnv,
           CASE r.level WHEN 1 THEN $htxs_min_htt ELSE $htt_min_htt END AS need_htt
    FROM rated r JOIN members m ON m.unit_code = r.unit_code AND m.year = r.year
),
failing AS (
    SELECT *, total - khtnv < need_htnv * total - 1e-9 AS fails_htnv, good < need_htt * total - 1e-9 AS fails_htt
    FROM checked WHERE total > 0
)
SELECT f.year, f.unit_code, f.subject, f.unit_code AS subject_key,
       concat(coalesce(u.name, f.unit_code), ' xếp ', f.short, ' nhưng ', concat_ws('; ',
           CASE WHEN f.fails_htnv THEN concat(f.khtnv, '/', f.total, ' đảng viên KHTNV (cần ',
               regexp_replace(replace(printf('%.1f', 100 * f.need_htnv), '.', ',') || '%', ',0%$', '%'),
               ' từ HTNV trở lên)') END,
           CASE WHEN f.fails_htt THEN concat('chỉ ', f.good, '/', f.total, ' đảng viên (',
               regexp_replace(replace(printf('%.1f', 100.0 * f.good / f.total), '.', ',') || '%', ',0%$', '%'),
               ') từ HTT trở lên (cần ít nhất ',
               regexp_replace(replace(printf('%.1f', 100 * f.need_htt), '.', ',') || '%', ',0%$', '%'), ')') END))
           AS detail,
       concat('ho_so_tap_the, ', f.member_basis) AS basis, f.load_id, f.source_sheet, f.source_row
FROM failing f LEFT JOIN units u ON u.unit_code = f.unit_code
WHERE f.fails_htnv OR f.fails_htt
ORDER BY f.year, f.unit_code, f.subject;
