-- rule: tap_the_lanh_dao_ky_luat_tu_phat_hien
-- title: Tập thể lãnh đạo có người đứng đầu bị kỷ luật nhưng hồ sơ ghi tự phát hiện, khắc phục, xếp trên KHTNV — cần xem xét
-- years: 2023-
-- severity: can_xem_xet
-- document: 124-QĐ/TW (4/10/2023) với 25-HD/BTCTW: tập thể "bị xử lý kỷ luật hoặc thành viên bị kỷ luật trong năm (trừ
--   trường hợp tự phát hiện và khắc phục xong hậu quả)" xếp KHTNV; 366-QĐ/TW (30/8/2025) với 43-HD/BTCTW: trường hợp
--   tự phát hiện và chủ động khắc phục do cấp có thẩm quyền xem xét. Ngoại lệ có thể áp dụng: không phải vi phạm.
-- description: Collective ratings of leadership collectives (tap_the_lanh_dao, cap_uy) above KHTNV while every member
--   record heading that unit and disciplined in the year has a discipline form saying the violation was self-detected
--   (pattern tu_phat_hien of the config, as in dv_ky_luat_124_tu_phat_hien and dv_ky_luat_366_tu_phat_hien). When
--   another head's discipline is not self-detected, the collective is rule tap_the_lanh_dao_ky_luat_124 or _366.
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
           bool_and(coalesce(regexp_matches(vkey(discipline_form), $tu_phat_hien), false)) AS all_self,
           string_agg(concat(left(member_key, 8), ' (', discipline_form, ')'), ', ' ORDER BY member_key) AS who
    FROM member_ratings
    WHERE disciplined AND led_unit_code IS NOT NULL AND year BETWEEN $first_year AND $last_year
    GROUP BY ALL
)
SELECT r.year, r.unit_code, r.subject, r.unit_code AS subject_key,
       concat(coalesce(u.name, r.unit_code), ' (', lower(s.name), ') xếp ', r.short,
              ' dù người đứng đầu bị kỷ luật trong năm: đảng viên ', h.who,
              ' — hồ sơ ghi tự phát hiện, khắc phục: cấp có thẩm quyền cần xem xét, ghi rõ căn cứ') AS detail,
       'ho_so_tap_the, ho_so_ca_nhan' AS basis, r.load_id, r.source_sheet, r.source_row
FROM rated r
JOIN heads h ON h.unit_code = r.unit_code AND h.year = r.year AND h.all_self
LEFT JOIN units u ON u.unit_code = r.unit_code
LEFT JOIN subjects s ON s.code = r.subject
ORDER BY r.year, r.unit_code, r.subject;
