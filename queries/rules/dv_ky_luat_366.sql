-- rule: dv_ky_luat_366
-- title: Đảng viên bị kỷ luật trong năm (không thuộc trường hợp tự phát hiện, khắc phục) nhưng xếp trên mức KHTNV
-- years: 2025-
-- severity: vi_pham
-- document: 366-QĐ/TW (30/8/2025) với 43-HD/BTCTW (31/10/2025): bị kỷ luật từ khiển trách trở lên do vi phạm khi thực
--   hiện chức trách, nhiệm vụ thì xếp loại "Không hoàn thành nhiệm vụ"; trường hợp tự phát hiện và chủ động khắc phục
--   do cấp có thẩm quyền xem xét (quy tắc dv_ky_luat_366_tu_phat_hien).
-- description: Member records disciplined in the year, rated above KHTNV, whose discipline form does not say the
--   violation was self-detected (pattern tu_phat_hien of the config, matched on the form without diacritics). Every
--   party discipline form is "khiển trách" or above. Whether the violation was duty-related is not recorded: a file
--   marks discipline in the year only.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: tu_phat_hien text required — biểu thức nhận ra "tự phát hiện, khắc phục" trong hình thức kỷ luật (không dấu)
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key,
       concat('Đảng viên ', left(m.member_key, 8), ' (', coalesce(u.name, m.chi_bo_code), ') bị kỷ luật trong năm',
              CASE WHEN m.discipline_form IS NOT NULL THEN concat(' (', m.discipline_form, ')') ELSE '' END,
              ' nhưng xếp ', l.short, ' (bị kỷ luật từ khiển trách trở lên xếp KHTNV)') AS detail,
       'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN levels l ON l.level = m.level
LEFT JOIN units u ON u.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year
  AND m.disciplined AND m.level < 4
  AND NOT coalesce(regexp_matches(vkey(m.discipline_form), $tu_phat_hien), false)
ORDER BY m.year, m.chi_bo_code, m.member_key;
