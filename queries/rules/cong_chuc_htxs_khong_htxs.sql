-- rule: cong_chuc_htxs_khong_htxs
-- title: Đảng viên xếp HTXS nhưng xếp loại cán bộ, công chức, viên chức thấp hơn HTXS
-- years: 2014-
-- severity: vi_pham 2019-2022; can_xem_xet 2014-2018, 2023-
-- document: 21-HD/BTCTW (18/10/2019): đảng viên là cán bộ, công chức, viên chức xếp HTXS phải được xếp HTXS về chính
--   quyền. Năm 2017 (tài liệu 001) còn có trường hợp thay thế (chiến sĩ thi đua, bằng khen) không có trong dữ liệu;
--   các năm khác chưa đối chiếu văn bản: cần xem xét.
-- description: Member records rated HTXS whose civil-service rating ("Xếp loại công chức") is HTT or HTNV (a civil
--   KHTNV is rule cong_chuc_khtnv_dang_tren_khtnv, which binds the party rating to KHTNV).
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key,
       concat('Đảng viên ', left(m.member_key, 8), ' (', coalesce(u.name, m.chi_bo_code),
              ') xếp HTXSNV về đảng nhưng xếp ', l.short, ' về chính quyền (cán bộ, công chức, viên chức)') AS detail,
       'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN levels l ON l.level = m.civil_level
LEFT JOIN units u ON u.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year AND m.level = 1 AND m.civil_level IN (2, 3)
ORDER BY m.year, m.chi_bo_code, m.member_key;
