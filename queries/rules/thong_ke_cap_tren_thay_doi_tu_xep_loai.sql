-- rule: thong_ke_cap_tren_thay_doi_tu_xep_loai
-- title: Cấp trên thay đổi mức tự xếp loại của các tổ chức trực thuộc nhiều bất thường
-- years: 2014-
-- severity: bat_thuong
-- document: Dấu hiệu thống kê, không phải quy định: cấp có thẩm quyền quyết định mức xếp loại sau khi tập thể tự
--   xếp loại (132-QĐ/TW, 124-QĐ/TW, 366-QĐ/TW); tỷ lệ thay đổi cao hơn hẳn các đơn vị khác cùng năm đáng xem xét.
-- description: Per parent unit (tree of that year), year and subject: the collectives with both a self-rating and a
--   final rating, and how many the upper level changed. A finding when at least so_toi_thieu are rated, the changed
--   share is at least ty_le_toi_thieu, and it exceeds the share of every other parent that year by at least
--   z_toi_thieu standard errors (binomial; the parent itself left out of the comparison).
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: so_toi_thieu int required — số tổ chức trực thuộc tối thiểu có cả tự xếp loại và xếp loại
-- param: ty_le_toi_thieu float required — tỷ lệ bị thay đổi tối thiểu
-- param: z_toi_thieu float required — số độ lệch chuẩn tối thiểu so với các đơn vị khác cùng năm
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH per_parent AS (
    SELECT c.year, a.ancestor_code AS unit_code, c.subject, count(*) AS n,
           count(*) FILTER (c.level <> c.self_level) AS k,
           count(*) FILTER (c.level > c.self_level) AS down, count(*) FILTER (c.level < c.self_level) AS up
    FROM collective_ratings c
    JOIN unit_ancestors_by_year a ON a.unit_code = c.unit_code AND a.year = c.year AND a.distance = 1
    WHERE c.self_level IS NOT NULL AND c.level IS NOT NULL AND c.year BETWEEN $first_year AND $last_year
    GROUP BY ALL
),
compared AS (
    SELECT p.*, sum(k) OVER w - k AS other_k, sum(n) OVER w - n AS other_n
    FROM per_parent p
    WINDOW w AS (PARTITION BY year, subject)
),
scored AS (
    SELECT *, CASE WHEN other_n > 0 THEN other_k / other_n END AS p0,
           CASE WHEN other_n > 0 THEN (k - n * least(greatest(other_k / other_n, 0.01), 0.99))
                / sqrt(n * least(greatest(other_k / other_n, 0.01), 0.99)
                       * (1 - least(greatest(other_k / other_n, 0.01), 0.99))) END AS z
    FROM compared
)
SELECT s.year, s.unit_code, s.subject, s.unit_code AS subject_key,
       concat('Cấp trên thay đổi mức tự xếp loại của ', s.k, '/', s.n, ' ', lower(sj.name), ' trực thuộc ',
              coalesce(u.name, s.unit_code), ' (', regexp_replace(replace(printf('%.1f', 100.0 * s.k / s.n), '.', ','),
              ',0$', ''), '%: hạ ', s.down, ', nâng ', s.up, ')',
              CASE WHEN s.p0 IS NOT NULL THEN concat('; các đơn vị khác cùng năm: ',
                   regexp_replace(replace(printf('%.1f', 100 * s.p0), '.', ','), ',0$', ''), '% (',
                   format('{:t.}', s.other_k), '/', format('{:t.}', s.other_n), ')') ELSE '' END) AS detail,
       'ho_so_tap_the' AS basis, NULL::INTEGER AS load_id, NULL::VARCHAR AS source_sheet, NULL::INTEGER AS source_row
FROM scored s
LEFT JOIN units u ON u.unit_code = s.unit_code
LEFT JOIN subjects sj ON sj.code = s.subject
WHERE s.n >= $so_toi_thieu AND s.k >= $ty_le_toi_thieu * s.n - 1e-9
  AND (s.z IS NULL OR s.z >= $z_toi_thieu)
ORDER BY s.year, s.unit_code, s.subject;
