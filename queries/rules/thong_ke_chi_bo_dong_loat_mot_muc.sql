-- rule: thong_ke_chi_bo_dong_loat_mot_muc
-- title: Chi bộ có từ N đảng viên mà tất cả xếp cùng một mức, khó xảy ra so với tỷ lệ chung của năm
-- years: 2014-
-- severity: bat_thuong
-- document: Dấu hiệu thống kê, không phải quy định: xếp loại đồng loạt cho thấy có thể chưa đánh giá từng người
--   (tài liệu 004 nêu hạn chế "đánh giá chưa thực chất"). Số đảng viên tối thiểu và xác suất trong tệp cấu hình.
-- description: Chi bộ (member records) with at least so_dang_vien_toi_thieu members rated in the year, every one of
--   them at the same level, when that is unlikely: p^n ≤ xac_suat_toi_da, p being the share of that level among all
--   members rated that year in the warehouse (a 12-member chi bộ all HTT is common when 75% are HTT; all HTXS is not).
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: so_dang_vien_toi_thieu int required — số đảng viên được xếp loại tối thiểu của chi bộ
-- param: xac_suat_toi_da float required — xác suất tối đa để cả chi bộ cùng một mức nếu xếp theo tỷ lệ chung
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH counted AS (
    SELECT r.*, r.htxs + r.htt + r.ht + r.khtnv AS total,
           CASE WHEN r.htxs = r.htxs + r.htt + r.ht + r.khtnv THEN 1
                WHEN r.htt = r.htxs + r.htt + r.ht + r.khtnv THEN 2
                WHEN r.ht = r.htxs + r.htt + r.ht + r.khtnv THEN 3
                WHEN r.khtnv = r.htxs + r.htt + r.ht + r.khtnv THEN 4 END AS only_level
    FROM record_counts r
    WHERE r.subject = 'dang_vien' AND r.year BETWEEN $first_year AND $last_year
),
year_shares AS (
    SELECT year, sum(htxs + htt + ht + khtnv) AS rated,
           [sum(htxs), sum(htt), sum(ht), sum(khtnv)] AS by_level
    FROM record_counts WHERE subject = 'dang_vien' AND year BETWEEN $first_year AND $last_year
    GROUP BY ALL
),
scored AS (
    SELECT c.*, y.by_level[c.only_level] / y.rated AS p, pow(y.by_level[c.only_level] / y.rated, c.total) AS chance
    FROM counted c JOIN year_shares y USING (year)
    WHERE c.only_level IS NOT NULL AND c.total >= $so_dang_vien_toi_thieu AND y.rated > 0
)
SELECT s.year, s.unit_code, 'dang_vien' AS subject, s.unit_code AS subject_key,
       concat(coalesce(u.name, s.unit_code), ': cả ', format('{:t.}', s.total), '/', format('{:t.}', s.total),
              ' đảng viên được xếp loại đều xếp ', l.short, ' (năm ', s.year, ' có ',
              regexp_replace(replace(printf('%.1f', 100 * s.p), '.', ','), ',0$', ''), '% đảng viên xếp ', l.short,
              '; nếu xếp theo tỷ lệ chung, khả năng cả chi bộ cùng mức này là ',
              CASE WHEN s.chance < 0.0001 THEN 'dưới 0,01%'
                   ELSE regexp_replace(replace(printf('%.2f', 100 * s.chance), '.', ','), ',00$', '') || '%' END, ')')
           AS detail,
       'ho_so_ca_nhan' AS basis, NULL::INTEGER AS load_id, NULL::VARCHAR AS source_sheet, NULL::INTEGER AS source_row
FROM scored s
JOIN levels l ON l.level = s.only_level
LEFT JOIN units u ON u.unit_code = s.unit_code
WHERE s.chance <= $xac_suat_toi_da
ORDER BY s.year, s.unit_code;
