-- rule: dv_ky_luat_124_tu_phat_hien
-- title: Đảng viên bị kỷ luật, hồ sơ ghi tự phát hiện, khắc phục, được xếp trên mức KHTNV (2023–2024) — cần xem xét
-- years: 2023-2024
-- severity: can_xem_xet
-- document: 124-QĐ/TW (4/10/2023) với 25-HD/BTCTW, Điều 12 khoản 4.3 điểm d: "bị xử lý kỷ luật trong năm đánh giá
--   (trừ trường hợp tự phát hiện và khắc phục xong hậu quả)" thì xếp loại "Không hoàn thành nhiệm vụ". Hồ sơ ghi tự
--   phát hiện nhưng không ghi đã khắc phục xong hậu quả: cần xác nhận, không phải vi phạm.
-- description: Member records disciplined in the year and rated above KHTNV whose discipline form says the violation
--   was self-detected (pattern tu_phat_hien of the config, shared with the 366 rules): the exception of 124 may apply,
--   so a point to review, never a breach.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: tu_phat_hien text required — biểu thức nhận ra "tự phát hiện, khắc phục" trong hình thức kỷ luật (không dấu)
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key,
       concat('Đảng viên ', left(m.member_key, 8), ' (', coalesce(u.name, m.chi_bo_code), ') bị kỷ luật trong năm (',
              m.discipline_form, ') và được xếp ', l.short,
              ': hồ sơ ghi tự phát hiện — thuộc ngoại lệ của 124-QĐ/TW nếu đã khắc phục xong hậu quả; cần xác nhận',
              ' căn cứ') AS detail,
       'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN levels l ON l.level = m.level
LEFT JOIN units u ON u.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year
  AND m.disciplined AND m.level < 4
  AND coalesce(regexp_matches(vkey(m.discipline_form), $tu_phat_hien), false)
ORDER BY m.year, m.chi_bo_code, m.member_key;
