-- rule: tap_the_lanh_dao_co_ky_luat_chua_ro
-- title: Tập thể lãnh đạo ghi có thành viên bị kỷ luật nhưng không xếp KHTNV (chưa rõ ai, hình thức nào)
-- years: 2019-
-- severity: can_xem_xet
-- document: 21-HD/BTCTW (thành viên bị kỷ luật từ cảnh cáo trở lên), 366-QĐ/TW (từ khiển trách trở lên): tập thể lãnh
--   đạo, quản lý có thành viên bị kỷ luật xếp "Không hoàn thành nhiệm vụ". Cột "Có thành viên hoặc đơn vị trực thuộc
--   bị kỷ luật" không cho biết đó là thành viên hay đơn vị trực thuộc, cũng không cho biết hình thức: cần xem xét.
-- description: Collective ratings of leadership collectives (tap_the_lanh_dao, cap_uy) above KHTNV whose own record
--   says a member or subordinate unit was disciplined, when no member record heading the unit shows the discipline
--   (those are rules tap_the_lanh_dao_ky_luat_21hd and tap_the_lanh_dao_ky_luat_366).
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT c.year, c.unit_code, c.subject, c.unit_code AS subject_key,
       concat(coalesce(u.name, c.unit_code), ' (', lower(s.name), ') xếp ', l.short,
              ' dù hồ sơ tập thể ghi có thành viên hoặc đơn vị trực thuộc bị kỷ luật trong năm — cần xác định người bị',
              ' kỷ luật, hình thức kỷ luật (tập thể lãnh đạo có thành viên bị kỷ luật xếp KHTNV)') AS detail,
       'ho_so_tap_the' AS basis, c.load_id, c.source_sheet, c.source_row
FROM collective_ratings c
JOIN levels l ON l.level = c.level
LEFT JOIN units u ON u.unit_code = c.unit_code
LEFT JOIN subjects s ON s.code = c.subject
WHERE c.year BETWEEN $first_year AND $last_year AND c.level < 4 AND c.subject IN ('tap_the_lanh_dao', 'cap_uy')
  AND c.disciplined
  AND NOT EXISTS (SELECT 1 FROM member_ratings m
                  WHERE m.led_unit_code = c.unit_code AND m.year = c.year AND m.disciplined)
ORDER BY c.year, c.unit_code, c.subject;
