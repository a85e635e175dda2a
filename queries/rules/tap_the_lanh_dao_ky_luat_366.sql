-- rule: tap_the_lanh_dao_ky_luat_366
-- title: Tập thể lãnh đạo có người đứng đầu bị kỷ luật từ khiển trách trở lên nhưng không xếp KHTNV
-- years: 2025-
-- severity: vi_pham
-- document: 366-QĐ/TW (30/8/2025) với 43-HD/BTCTW: tập thể lãnh đạo, quản lý có thành viên bị kỷ luật từ khiển
--   trách trở lên thì xếp loại "Không hoàn thành nhiệm vụ"; trường hợp tự phát hiện và chủ động khắc phục do cấp có
--   thẩm quyền xem xét (quy tắc tap_the_lanh_dao_ky_luat_tu_phat_hien, như dv_ky_luat_366_tu_phat_hien).
-- description: Collective ratings of leadership collectives (tap_the_lanh_dao, cap_uy) above KHTNV while a member
--   record heading that unit ("Đơn vị lãnh đạo") was disciplined in the year (khiển trách is the lightest party
--   discipline, so any discipline counts) with a discipline form that does not say the violation was self-detected
--   (pattern tu_phat_hien of the config). A collective known to have a disciplined member only from its own flag is
--   rule tap_the_lanh_dao_co_ky_luat_chua_ro.
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
              ' nhưng người đứng đầu bị kỷ luật trong năm: đảng viên ', h.who, ' (tập thể phải xếp KHTNV)') AS detail,
       'ho_so_tap_the, ho_so_ca_nhan' AS basis, r.load_id, r.source_sheet, r.source_row
FROM rated r
JOIN heads h ON h.unit_code = r.unit_code AND h.year = r.year
LEFT JOIN units u ON u.unit_code = r.unit_code
LEFT JOIN subjects s ON s.code = r.subject
ORDER BY r.year, r.unit_code, r.subject;
