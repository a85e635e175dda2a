-- rule: to_chuc_dang_bo_thieu_ty_le_to_chuc
-- title: Đảng bộ xếp HTXS hoặc HTT nhưng tỷ lệ tổ chức đảng trực thuộc từ HTNV, từ HTT trở lên chưa đạt
-- years: 2018-
-- severity: vi_pham 2019-2022; can_xem_xet 2018, 2023-
-- document: 21-HD/BTCTW (18/10/2019): đảng bộ HTXS có 100% tổ chức đảng trực thuộc từ "Hoàn thành nhiệm vụ" trở lên
--   và ít nhất 80% từ "Hoàn thành tốt nhiệm vụ" trở lên; đảng bộ HTT: 100% và ít nhất 50%. Năm 2018 và từ 2023 chưa
--   đối chiếu văn bản: cùng ngưỡng, ở mức cần xem xét.
-- description: Collective ratings (tccsd or chi_bo) at HTXS or HTT of a unit whose directly subordinate organizations
--   (in the tree of that year) are rated (subject tccsd or chi_bo); without such ratings, the counts of subordinate
--   chi bộ the unit reported (aggregate subject chi_bo). Thresholds from the config.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: htxs_min_htnv float required — tỷ lệ tối thiểu tổ chức trực thuộc từ HTNV trở lên khi đảng bộ xếp HTXS
-- param: htxs_min_htt float required — tỷ lệ tối thiểu tổ chức trực thuộc từ HTT trở lên khi đảng bộ xếp HTXS
-- param: htt_min_htnv float required — tỷ lệ tối thiểu tổ chức trực thuộc từ HTNV trở lên khi đảng bộ xếp HTT
-- param: htt_min_htt float required — tỷ lệ tối thiểu tổ chức trực thuộc từ HTT trở lên khi đảng bộ xếp HTT
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.*, l.short FROM collective_ratings c JOIN levels l ON l.level = c.level
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level IN (1, 2) AND c.subject IN ('tccsd', 'chi_bo')
),
children AS (   -- directly subordinate organizations rated that year
    SELECT a.year, a.ancestor_code AS unit_code,
           count(*) FILTER (c.level <= 2) AS good, count(*) FILTER (c.level = 4) AS bad, count(*) AS total,
           'ho_so_tap_the' AS child_basis
    FROM unit_ancestors_by_year a
    JOIN collective_ratings c ON c.unit_code = a.unit_code AND c.year = a.year
    WHERE a.distance = 1 AND c.subject IN ('tccsd', 'chi_bo') AND c.level IS NOT NULL
      AND a.year BETWEEN $first_year AND $last_year          -- (the years of the range: those rated reads)
    GROUP BY ALL
    UNION ALL
    SELECT a.year, a.unit_code, a.htxs + a.htt, a.khtnv, a.htxs + a.htt + a.ht + a.khtnv, 'so_lieu_tong_hop'
    FROM aggregate_counts a
    WHERE a.subject = 'chi_bo'
      AND NOT EXISTS (SELECT 1 FROM unit_ancestors_by_year d
                      JOIN collective_ratings c ON c.unit_code = d.unit_code AND c.year = d.year
                      WHERE d.ancestor_code = a.unit_code AND d.year = a.year AND d.distance = 1
                        AND c.subject IN ('tccsd', 'chi_bo') AND d.year BETWEEN $first_year AND $last_year
                        AND d.ancestor_code IN (SELECT unit_code FROM aggregate_counts WHERE subject = 'chi_bo'))
),
checked AS (
    SELECT r.*, ch.good, ch.bad, ch.total, ch.child_basis,
           CASE r.level WHEN 1 THEN $htxs_min_htnv ELSE $htt_min_htnv END AS need_htnv,
           CASE r.level WHEN 1 THEN $htxs_min_htt ELSE $htt_min_htt END AS need_htt
    FROM rated r JOIN children ch ON ch.unit_code = r.unit_code AND ch.year = r.year
    WHERE ch.total > 0
),
failing AS (
    SELECT *, total - bad < need_htnv * total - 1e-9 AS fails_htnv, good < need_htt * total - 1e-9 AS fails_htt
    FROM checked
)
SELECT f.year, f.unit_code, f.subject, f.unit_code AS subject_key,
       concat(coalesce(u.name, f.unit_code), ' xếp ', f.short, ' nhưng ', concat_ws('; ',
           CASE WHEN f.fails_htnv THEN concat(f.bad, '/', f.total, ' tổ chức đảng trực thuộc KHTNV (cần ',
               regexp_replace(replace(printf('%.1f', 100 * f.need_htnv), '.', ',') || '%', ',0%$', '%'),
               ' từ HTNV trở lên)') END,
           CASE WHEN f.fails_htt THEN concat('chỉ ', f.good, '/', f.total, ' tổ chức đảng trực thuộc (',
               regexp_replace(replace(printf('%.1f', 100.0 * f.good / f.total), '.', ',') || '%', ',0%$', '%'),
               ') từ HTT trở lên (cần ít nhất ',
               regexp_replace(replace(printf('%.1f', 100 * f.need_htt), '.', ',') || '%', ',0%$', '%'), ')') END))
           AS detail,
       concat('ho_so_tap_the', CASE WHEN f.child_basis <> 'ho_so_tap_the' THEN ', ' || f.child_basis ELSE '' END)
           AS basis, f.load_id, f.source_sheet, f.source_row
FROM failing f LEFT JOIN units u ON u.unit_code = f.unit_code
WHERE f.fails_htnv OR f.fails_htt
ORDER BY f.year, f.unit_code, f.subject;
