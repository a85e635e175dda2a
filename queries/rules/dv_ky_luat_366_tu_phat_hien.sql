-- rule: dv_ky_luat_366_tu_phat_hien
-- title: Đảng viên bị kỷ luật nhưng tự phát hiện, chủ động khắc phục, được xếp trên mức KHTNV — cần xem xét
-- years: 2025-
-- severity: can_xem_xet
-- document: 366-QĐ/TW (30/8/2025) với 43-HD/BTCTW: trường hợp vi phạm do tự phát hiện và chủ động khắc phục thì cấp
--   có thẩm quyền xem xét, quyết định mức xếp loại.
-- description: Member records disciplined in the year and rated above KHTNV whose discipline form says the violation
--   was self-detected (pattern tu_phat_hien of the config): discretionary, so a point to review, never a breach.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: tu_phat_hien text required — biểu thức nhận ra "tự phát hiện, khắc phục" trong hình thức kỷ luật (không dấu)
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key,
       concat('Đảng viên ', left(m.member_key, 8), ' (', coalesce(u.name, m.chi_bo_code), ') bị kỷ luật trong năm (',
              m.discipline_form, ') và được xếp ', l.short,
              ': trường hợp tự phát hiện, khắc phục — cấp có thẩm quyền cần xem xét, ghi rõ căn cứ') AS detail,
       'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN levels l ON l.level = m.level
LEFT JOIN units u ON u.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year
  AND m.disciplined AND m.level < 4
  AND coalesce(regexp_matches(vkey(m.discipline_form), $tu_phat_hien), false)
ORDER BY m.year, m.chi_bo_code, m.member_key;
