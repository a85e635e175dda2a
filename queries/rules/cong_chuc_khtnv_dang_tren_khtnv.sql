-- rule: cong_chuc_khtnv_dang_tren_khtnv
-- title: Đảng viên là cán bộ, công chức, viên chức xếp KHTNV về chính quyền nhưng xếp loại đảng viên trên mức KHTNV
-- years: 2014-
-- severity: vi_pham 2018-2022; can_xem_xet 2014-2017, 2023-
-- document: 16-HD/BTCTW (24/9/2018) và 21-HD/BTCTW (18/10/2019): đảng viên "là công chức, viên chức xếp loại ở mức
--   'Không hoàn thành nhiệm vụ'" thì xếp loại đảng viên "Không hoàn thành nhiệm vụ". Năm 2014–2017 (kế hoạch năm 2017
--   của Đảng ủy phường Hương Xuân, tài liệu 001: xếp loại đảng viên phải thống nhất với phân loại cán bộ, công chức)
--   và từ 2023 (124-QĐ/TW, 366-QĐ/TW) chưa đối chiếu điều khoản tương ứng: cần xem xét.
-- description: Member records whose civil-service rating ("Xếp loại công chức") is KHTNV while the party rating is
--   HTXS, HTT or HTNV. Other differences between the two ratings are rules cong_chuc_htxs_khong_htxs and
--   cong_chuc_lech_xep_loai.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key,
       concat('Đảng viên ', left(m.member_key, 8), ' (', coalesce(u.name, m.chi_bo_code), ') xếp ', l.short,
              ' về đảng nhưng KHTNV về chính quyền (cán bộ, công chức, viên chức); đảng viên là công chức, viên chức',
              ' không hoàn thành nhiệm vụ xếp KHTNV') AS detail,
       'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN levels l ON l.level = m.level
LEFT JOIN units u ON u.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year AND m.civil_level = 4 AND m.level < 4
ORDER BY m.year, m.chi_bo_code, m.member_key;
