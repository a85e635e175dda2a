-- rule: lanh_dao_cao_hon_tap_the
-- title: Người đứng đầu được xếp loại cao hơn tập thể do mình lãnh đạo
-- years: 2018-
-- severity: bat_thuong
-- document: Chưa tìm thấy văn bản của Đảng quy định (domain.md §7, [U]): chỉ là dấu hiệu để xem xét. Trường hợp tập thể
--   xếp KHTNV thuộc quy tắc lanh_dao_don_vi_khtnv.
-- description: Member records naming a unit in "Đơn vị lãnh đạo" whose level is better than the worst collective
--   rating of that unit in the same year, when that worst rating is not KHTNV.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH led AS (      -- the worst collective rating of each unit and year
    SELECT c.year, c.unit_code, max(c.level) AS worst
    FROM collective_ratings c JOIN subjects s ON s.code = c.subject JOIN levels l ON l.level = c.level
    WHERE c.year BETWEEN $first_year AND $last_year
    GROUP BY ALL
),
hits AS (
    SELECT m.year, m.led_unit_code, m.member_key, m.level, m.load_id, m.source_sheet, m.source_row
    FROM member_ratings m JOIN led d ON d.unit_code = m.led_unit_code AND d.year = m.year
    WHERE m.year BETWEEN $first_year AND $last_year AND m.led_unit_code IS NOT NULL AND d.worst < 4
      AND m.level < d.worst
),
texts AS (         -- the collective ratings in words, only for the units and years with a finding
    SELECT c.year, c.unit_code,
           string_agg(concat(lower(s.name), ' ', l.short), ', ' ORDER BY s.sort_order) AS ratings
    FROM collective_ratings c JOIN subjects s ON s.code = c.subject JOIN levels l ON l.level = c.level
    JOIN (SELECT DISTINCT year, led_unit_code FROM hits) h ON h.year = c.year AND h.led_unit_code = c.unit_code
    WHERE c.year BETWEEN $first_year AND $last_year
    GROUP BY ALL
)
SELECT m.year, m.led_unit_code AS unit_code, 'can_bo_lanh_dao' AS subject, m.member_key AS subject_key,
       concat('Người đứng đầu ', left(m.member_key, 8), ' xếp ', l.short, ', cao hơn tập thể ',
              coalesce(u.name, m.led_unit_code), ' (', d.ratings, ')') AS detail,
       'ho_so_ca_nhan, ho_so_tap_the' AS basis, m.load_id, m.source_sheet, m.source_row
FROM hits m
JOIN texts d ON d.unit_code = m.led_unit_code AND d.year = m.year
JOIN levels l ON l.level = m.level
LEFT JOIN units u ON u.unit_code = m.led_unit_code
ORDER BY m.year, m.led_unit_code, m.member_key;
