-- rule: tap_the_lanh_dao_ky_luat_21hd
-- title: Tập thể lãnh đạo có người đứng đầu bị kỷ luật từ cảnh cáo trở lên nhưng không xếp KHTNV
-- years: 2019-2022
-- severity: vi_pham
-- document: 21-HD/BTCTW (18/10/2019): tập thể lãnh đạo, quản lý "có thành viên của tập thể lãnh đạo, quản lý bị xử lý
--   kỷ luật từ cảnh cáo trở lên (một vi phạm bị xử lý kỷ luật chỉ tính một lần khi xếp loại)" thì xếp loại "Không hoàn
--   thành nhiệm vụ". Từ 2023 mọi hình thức kỷ luật đều tính: quy tắc tap_the_lanh_dao_ky_luat_124 và _366.
-- description: Collective ratings of leadership collectives (tap_the_lanh_dao, cap_uy) above KHTNV while a member
--   record heading that unit ("Đơn vị lãnh đạo") was disciplined with a form matching the config pattern hinh_thuc
--   (cảnh cáo or above). The form of a discipline known only from the collective's own flag is not known, so that flag
--   alone is not used here.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: hinh_thuc text required — biểu thức các hình thức kỷ luật từ cảnh cáo trở lên (không dấu)
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.*, l.short FROM collective_ratings c JOIN levels l ON l.level = c.level
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level < 4 AND c.subject IN ('tap_the_lanh_dao', 'cap_uy')
),
heads AS (
    SELECT year, led_unit_code AS unit_code,
           string_agg(concat(left(member_key, 8), ' (', discipline_form, ')'), ', ' ORDER BY member_key) AS who
    FROM member_ratings
    WHERE disciplined AND led_unit_code IS NOT NULL AND year BETWEEN $first_year AND $last_year
      AND coalesce(regexp_matches(vkey(discipline_form), $hinh_thuc), false)
    GROUP BY ALL
)
SELECT r.year, r.unit_code, r.subject, r.unit_code AS subject_key,
       concat(coalesce(u.name, r.unit_code), ' (', lower(s.name), ') xếp ', r.short,
              ' nhưng có thành viên bị kỷ luật từ cảnh cáo trở lên trong năm: đảng viên ', h.who,
              ' (tập thể phải xếp KHTNV)') AS detail,
       'ho_so_tap_the, ho_so_ca_nhan' AS basis, r.load_id, r.source_sheet, r.source_row
FROM rated r
JOIN heads h ON h.unit_code = r.unit_code AND h.year = r.year
LEFT JOIN units u ON u.unit_code = r.unit_code
LEFT JOIN subjects s ON s.code = r.subject
ORDER BY r.year, r.unit_code, r.subject;
