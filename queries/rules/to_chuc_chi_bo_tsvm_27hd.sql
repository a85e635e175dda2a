-- rule: to_chuc_chi_bo_tsvm_27hd
-- title: Chi bộ xếp "Trong sạch, vững mạnh" nhưng chưa có 100% đảng viên từ "Hoàn thành nhiệm vụ" trở lên (trước 2018)
-- years: 2014-2017
-- severity: can_xem_xet
-- document: Kế hoạch năm 2017 của Đảng ủy phường Hương Xuân theo 27-HD/BTCTW (tài liệu 001, mục III.2.3.a): chi bộ
--   trong sạch, vững mạnh có 100% đảng viên đạt mức "Hoàn thành nhiệm vụ" trở lên. Đọc trong kế hoạch của một địa
--   phương, chưa đối chiếu nguyên văn 27-HD: cần xem xét.
-- description: Collective ratings (chi_bo or tccsd) at TSVM (level 1) of a unit with members rated KHTNV (individual
--   records, else the counts the chi bộ reported).
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: min_htnv float required — tỷ lệ tối thiểu đảng viên từ HTNV trở lên
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.* FROM collective_ratings c
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level = 1 AND c.subject IN ('chi_bo', 'tccsd')
),
members AS (
    SELECT year, unit_code, htxs + htt + ht + khtnv AS total, khtnv, 'ho_so_ca_nhan' AS member_basis
    FROM record_counts WHERE subject = 'dang_vien'
    UNION ALL
    SELECT a.year, a.unit_code, a.htxs + a.htt + a.ht + a.khtnv, a.khtnv, 'so_lieu_tong_hop'
    FROM aggregate_counts a JOIN units u USING (unit_code)
    WHERE a.subject = 'dang_vien' AND u.tree_level IN ('chi_bo_co_so', 'chi_bo_truc_thuoc')
      AND NOT EXISTS (SELECT 1 FROM record_counts r
                      WHERE r.unit_code = a.unit_code AND r.year = a.year AND r.subject = 'dang_vien')
)
SELECT r.year, r.unit_code, r.subject, r.unit_code AS subject_key,
       concat(coalesce(u.name, r.unit_code), ' xếp Trong sạch, vững mạnh nhưng ', m.khtnv, '/', m.total,
              ' đảng viên không hoàn thành nhiệm vụ (cần ',
              regexp_replace(replace(printf('%.1f', 100 * $min_htnv), '.', ',') || '%', ',0%$', '%'),
              ' từ HTNV trở lên)') AS detail,
       concat('ho_so_tap_the, ', m.member_basis) AS basis, r.load_id, r.source_sheet, r.source_row
FROM rated r
JOIN members m ON m.unit_code = r.unit_code AND m.year = r.year
LEFT JOIN units u ON u.unit_code = r.unit_code
WHERE m.total > 0 AND m.total - m.khtnv < $min_htnv * m.total - 1e-9
ORDER BY r.year, r.unit_code;
