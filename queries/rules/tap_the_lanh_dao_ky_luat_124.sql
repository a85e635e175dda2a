-- rule: tap_the_lanh_dao_ky_luat_124
-- title: Tập thể lãnh đạo có người đứng đầu bị kỷ luật (mọi hình thức) nhưng không xếp KHTNV (2023–2024)
-- years: 2023-2024
-- severity: vi_pham
-- document: 124-QĐ/TW (4/10/2023) với 25-HD/BTCTW, Điều 12 khoản 4 (xếp loại "Không hoàn thành nhiệm vụ"): tập thể
--   "bị xử lý kỷ luật hoặc thành viên bị kỷ luật trong năm (trừ trường hợp tự phát hiện và khắc phục xong hậu quả)" —
--   không còn ngưỡng "từ cảnh cáo trở lên" của 21-HD/BTCTW: khiển trách cũng tính. Trường hợp hồ sơ ghi tự phát hiện
--   thuộc quy tắc tap_the_lanh_dao_ky_luat_tu_phat_hien (cần xem xét).
-- description: Collective ratings of leadership collectives (tap_the_lanh_dao, cap_uy) above KHTNV while a member
--   record heading that unit ("Đơn vị lãnh đạo") was disciplined in the year, in any form, with a discipline form that
--   does not say the violation was self-detected (pattern tu_phat_hien of the config). The detail says that the data
--   cannot tell whether the consequences were remedied. A collective known to have a disciplined member only from its
--   own flag is rule tap_the_lanh_dao_co_ky_luat_chua_ro.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: tu_phat_hien text required — biểu thức nhận ra "tự phát hiện, khắc phục" trong hình thức kỷ luật (không dấu)
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.*, l.short FROM collective_ratings c JOIN levels l ON l.level = c.level
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level < 4 AND c.subject IN ('tap_the_lanh_dao', 'cap_uy')
),
heads AS (
    SELECT year, led_unit_code AS unit_code,
           string_agg(concat(left(member_key, 8),
                             CASE WHEN discipline_form IS NOT NULL THEN concat(' (', discipline_form, ')') ELSE '' END),
                      ', ' ORDER BY member_key) AS who
    FROM member_ratings
    WHERE disciplined AND led_unit_code IS NOT NULL AND year BETWEEN $first_year AND $last_year
      AND NOT coalesce(regexp_matches(vkey(discipline_form), $tu_phat_hien), false)
    GROUP BY ALL
)
SELECT r.year, r.unit_code, r.subject, r.unit_code AS subject_key,
       concat(coalesce(u.name, r.unit_code), ' (', lower(s.name), ') xếp ', r.short,
              ' nhưng người đứng đầu bị kỷ luật trong năm: đảng viên ', h.who,
              ' (tập thể có thành viên bị kỷ luật trong năm xếp KHTNV, mọi hình thức kỷ luật; dữ liệu không cho biết',
              ' có thuộc trường hợp tự phát hiện, khắc phục xong hậu quả hay không)') AS detail,
       'ho_so_tap_the, ho_so_ca_nhan' AS basis, r.load_id, r.source_sheet, r.source_row
FROM rated r
JOIN heads h ON h.unit_code = r.unit_code AND h.year = r.year
LEFT JOIN units u ON u.unit_code = r.unit_code
LEFT JOIN subjects s ON s.code = r.subject
ORDER BY r.year, r.unit_code, r.subject;
