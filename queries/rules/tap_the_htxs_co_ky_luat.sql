-- rule: tap_the_htxs_co_ky_luat
-- title: Tập thể xếp HTXS dù có đơn vị trực thuộc hoặc thành viên lãnh đạo bị kỷ luật trong năm
-- years: 2023-
-- severity: vi_pham
-- document: 124-QĐ/TW (4/10/2023) với 25-HD/BTCTW; 366-QĐ/TW (30/8/2025) với 43-HD/BTCTW: tập thể chỉ được xếp
--   "Hoàn thành xuất sắc nhiệm vụ" khi không có đơn vị trực thuộc, thành viên tập thể lãnh đạo, quản lý bị kỷ luật.
-- description: Collective ratings at HTXS whose record says a member or subordinate unit was disciplined in the year
--   (column "Có thành viên hoặc đơn vị trực thuộc bị kỷ luật"), or whose head (a member record naming the unit in
--   "Đơn vị lãnh đạo") was disciplined in the year.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.* FROM collective_ratings c
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level = 1
),
heads AS (
    SELECT year, led_unit_code AS unit_code, count(*) AS n,
           string_agg(concat(left(member_key, 8),
                             CASE WHEN discipline_form IS NOT NULL THEN concat(' (', discipline_form, ')') ELSE '' END),
                      ', ' ORDER BY member_key) AS who
    FROM member_ratings
    WHERE disciplined AND led_unit_code IS NOT NULL AND year BETWEEN $first_year AND $last_year
    GROUP BY ALL
)
SELECT r.year, r.unit_code, r.subject, r.unit_code AS subject_key,
       concat(coalesce(u.name, r.unit_code), ' (', lower(s.name), ') xếp HTXSNV nhưng ', concat_ws('; ',
              CASE WHEN r.disciplined THEN 'hồ sơ tập thể ghi có thành viên hoặc đơn vị trực thuộc bị kỷ luật trong năm'
                   END,
              CASE WHEN h.n > 0 THEN concat('người đứng đầu bị kỷ luật trong năm: đảng viên ', h.who) END),
              ' (HTXS đòi hỏi không có đơn vị trực thuộc, thành viên lãnh đạo bị kỷ luật)') AS detail,
       CASE WHEN h.n > 0 THEN 'ho_so_tap_the, ho_so_ca_nhan' ELSE 'ho_so_tap_the' END AS basis,
       r.load_id, r.source_sheet, r.source_row
FROM rated r
LEFT JOIN heads h ON h.unit_code = r.unit_code AND h.year = r.year
LEFT JOIN units u ON u.unit_code = r.unit_code
LEFT JOIN subjects s ON s.code = r.subject
WHERE coalesce(r.disciplined, false) OR h.n > 0
ORDER BY r.year, r.unit_code, r.subject;
