-- rule: lanh_dao_don_vi_khtnv
-- title: Người đứng đầu xếp trên mức KHTNV trong khi đơn vị do mình trực tiếp lãnh đạo xếp KHTNV
-- years: 2018-
-- severity: vi_pham 2018-2022; can_xem_xet 2023-
-- document: 132-QĐ/TW (8/3/2018), Điều 12: cán bộ lãnh đạo, quản lý mà đơn vị do mình trực tiếp lãnh đạo, quản lý
--   xếp loại "Không hoàn thành nhiệm vụ" thì không xếp loại cao hơn "Không hoàn thành nhiệm vụ". Từ 2023 (124-QĐ/TW,
--   366-QĐ/TW) chưa đối chiếu điều khoản tương ứng: cần xem xét.
-- description: Member records naming a unit in "Đơn vị lãnh đạo", rated above KHTNV, while a collective rating of that
--   unit in the same year is KHTNV. The finding is placed at the led unit.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH failed AS (
    SELECT c.year, c.unit_code, string_agg(lower(s.name), ', ' ORDER BY s.sort_order) AS subjects
    FROM collective_ratings c JOIN subjects s ON s.code = c.subject
    WHERE c.level = 4 AND c.year BETWEEN $first_year AND $last_year
    GROUP BY ALL
)
SELECT m.year, m.led_unit_code AS unit_code, 'can_bo_lanh_dao' AS subject, m.member_key AS subject_key,
       concat('Người đứng đầu ', left(m.member_key, 8), ' (sinh hoạt tại ', coalesce(cb.name, m.chi_bo_code),
              ') xếp ', l.short, ' trong khi ', coalesce(u.name, m.led_unit_code), ' do đồng chí trực tiếp lãnh đạo xếp KHTNV (',
              f.subjects, ')') AS detail,
       'ho_so_ca_nhan, ho_so_tap_the' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN failed f ON f.unit_code = m.led_unit_code AND f.year = m.year
JOIN levels l ON l.level = m.level
LEFT JOIN units u ON u.unit_code = m.led_unit_code
LEFT JOIN units cb ON cb.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year AND m.led_unit_code IS NOT NULL AND m.level < 4
ORDER BY m.year, m.led_unit_code, m.member_key;
