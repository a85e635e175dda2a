-- rule: cong_chuc_lech_xep_loai
-- title: Xếp loại đảng viên và xếp loại cán bộ, công chức, viên chức của cùng một người không thống nhất
-- years: 2014-
-- severity: can_xem_xet
-- document: Kế hoạch năm 2017 của Đảng ủy phường Hương Xuân (tài liệu 001, mục III.1.4: kết quả phân loại đảng viên
--   phải thống nhất với kết quả phân loại cán bộ công chức); 21-HD/BTCTW. Trường hợp đảng viên HTXS mà chính quyền thấp
--   hơn thuộc quy tắc cong_chuc_htxs_khong_htxs; chính quyền KHTNV mà đảng viên trên KHTNV thuộc quy tắc
--   cong_chuc_khtnv_dang_tren_khtnv (16-HD, 21-HD: vi phạm).
-- description: Member records whose party level and civil-service level are both known and differ, except a party
--   HTXS with a lower civil rating and a civil KHTNV with a party rating above KHTNV (their own rules).
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key,
       concat('Đảng viên ', left(m.member_key, 8), ' (', coalesce(u.name, m.chi_bo_code), ') xếp ', lp.short,
              ' về đảng nhưng ', lc.short, ' về chính quyền (',
              CASE WHEN m.level < m.civil_level THEN 'xếp loại đảng viên cao hơn' ELSE 'xếp loại đảng viên thấp hơn' END,
              ')') AS detail,
       'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN levels lp ON lp.level = m.level
JOIN levels lc ON lc.level = m.civil_level
LEFT JOIN units u ON u.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year AND m.level <> m.civil_level
  AND NOT (m.level = 1 AND m.civil_level > 1) AND NOT (m.civil_level = 4 AND m.level < 4)
ORDER BY m.year, m.chi_bo_code, m.member_key;
