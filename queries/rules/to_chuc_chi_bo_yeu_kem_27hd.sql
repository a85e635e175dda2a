-- rule: to_chuc_chi_bo_yeu_kem_27hd
-- title: Chi bộ có trên 1/2 đảng viên "Không hoàn thành nhiệm vụ" nhưng không xếp loại "Yếu kém" (trước 2018)
-- years: 2014-2017
-- severity: vi_pham
-- document: 27-HD/BTCTW (25/9/2014); kế hoạch năm 2017 của Đảng ủy phường Hương Xuân (tài liệu 001, mục III.2.3.a):
--   chi bộ có trên 1/2 đảng viên xếp loại "Không hoàn thành nhiệm vụ" là chi bộ yếu kém.
-- description: Collective ratings (chi_bo or tccsd) other than Yếu kém of a unit whose own members (individual
--   records, else the counts the chi bộ reported) are KHTNV in more than the configured share (1/2).
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: ty_le_khtnv float required — tỷ lệ đảng viên KHTNV mà vượt quá thì chi bộ phải xếp Yếu kém
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.* FROM collective_ratings c
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level < 4 AND c.subject IN ('chi_bo', 'tccsd')
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
       concat(coalesce(u.name, r.unit_code), ' có ', m.khtnv, '/', m.total,
              ' đảng viên không hoàn thành nhiệm vụ (trên ',
              regexp_replace(replace(printf('%.1f', 100 * $ty_le_khtnv), '.', ',') || '%', ',0%$', '%'),
              ') nhưng xếp ', CASE r.level WHEN 1 THEN 'Trong sạch, vững mạnh' WHEN 2 THEN 'Hoàn thành tốt nhiệm vụ'
                                           ELSE 'Hoàn thành nhiệm vụ' END, ', không phải Yếu kém') AS detail,
       concat('ho_so_tap_the, ', m.member_basis) AS basis, r.load_id, r.source_sheet, r.source_row
FROM rated r
JOIN members m ON m.unit_code = r.unit_code AND m.year = r.year
LEFT JOIN units u ON u.unit_code = r.unit_code
WHERE m.total > 0 AND m.khtnv > $ty_le_khtnv * m.total + 1e-9
ORDER BY r.year, r.unit_code;
