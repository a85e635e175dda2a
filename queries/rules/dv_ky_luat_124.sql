-- rule: dv_ky_luat_124
-- title: Đảng viên bị kỷ luật trong năm (hồ sơ không ghi tự phát hiện, khắc phục) nhưng xếp trên mức KHTNV (2023–2024)
-- years: 2023-2024
-- severity: vi_pham
-- document: 124-QĐ/TW (4/10/2023) với 25-HD/BTCTW, Điều 12 khoản 4.3 điểm d: cá nhân "bị xử lý kỷ luật trong năm đánh
--   giá (trừ trường hợp tự phát hiện và khắc phục xong hậu quả)" xếp loại "Không hoàn thành nhiệm vụ". Trường hợp hồ
--   sơ ghi tự phát hiện, khắc phục thuộc quy tắc dv_ky_luat_124_tu_phat_hien (cần xem xét).
-- description: Member records disciplined in the year, rated above KHTNV, whose discipline form does not say the
--   violation was self-detected (pattern tu_phat_hien of the config, matched on the form without diacritics). The
--   files have no column for "khắc phục xong hậu quả": the detail says that the data cannot tell whether the exception
--   applies, so the unit can show it.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: tu_phat_hien text required — biểu thức nhận ra "tự phát hiện, khắc phục" trong hình thức kỷ luật (không dấu)
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key,
       concat('Đảng viên ', left(m.member_key, 8), ' (', coalesce(u.name, m.chi_bo_code), ') bị kỷ luật trong năm',
              CASE WHEN m.discipline_form IS NOT NULL THEN concat(' (', m.discipline_form, ')') ELSE '' END,
              ' nhưng xếp ', l.short, ' (bị xử lý kỷ luật trong năm xếp KHTNV, trừ trường hợp tự phát hiện và khắc',
              ' phục xong hậu quả). ',
              CASE WHEN m.discipline_form IS NULL
                   THEN 'Hồ sơ không ghi hình thức kỷ luật: dữ liệu không cho biết có thuộc trường hợp tự phát hiện,'
                   ELSE 'Hình thức kỷ luật không ghi tự phát hiện: dữ liệu không cho biết có thuộc trường hợp tự phát hiện,' END,
              ' khắc phục xong hậu quả hay không — nếu có, đơn vị cần xuất trình căn cứ') AS detail,
       'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN levels l ON l.level = m.level
LEFT JOIN units u ON u.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year
  AND m.disciplined AND m.level < 4
  AND NOT coalesce(regexp_matches(vkey(m.discipline_form), $tu_phat_hien), false)
ORDER BY m.year, m.chi_bo_code, m.member_key;
