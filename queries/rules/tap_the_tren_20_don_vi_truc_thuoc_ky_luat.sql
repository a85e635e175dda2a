-- rule: tap_the_tren_20_don_vi_truc_thuoc_ky_luat
-- title: Tập thể lãnh đạo có trên 20% đơn vị trực thuộc ghi có kỷ luật trong năm nhưng không xếp KHTNV (2023–2024)
-- years: 2023-2024
-- severity: can_xem_xet
-- document: 124-QĐ/TW (4/10/2023) với 25-HD/BTCTW, Điều 12 khoản 4 (xếp loại "Không hoàn thành nhiệm vụ"): "Tập thể
--   lãnh đạo, quản lý bị xử lý kỷ luật hoặc có trên 20% số đơn vị trực thuộc bị kỷ luật trong năm". Cột "Có thành viên
--   hoặc đơn vị trực thuộc bị kỷ luật" của đơn vị trực thuộc không cho biết chính đơn vị đó hay một thành viên của nó bị
--   kỷ luật: cần xem xét, không phải vi phạm.
-- description: Collective ratings of leadership collectives (tap_the_lanh_dao, cap_uy) above KHTNV of a unit whose
--   directly subordinate units (tree of that year) rated that year carry the discipline flag in more than the
--   configured share (ty_le_don_vi_ky_luat, 20%). A subordinate unit counts once, flagged when any of its collective
--   records of the year is.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: ty_le_don_vi_ky_luat float required — tỷ lệ đơn vị trực thuộc bị kỷ luật mà vượt quá thì tập thể xếp KHTNV
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.*, l.short FROM collective_ratings c JOIN levels l ON l.level = c.level
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level < 4 AND c.subject IN ('tap_the_lanh_dao', 'cap_uy')
),
children AS (      -- each directly subordinate unit rated that year, flagged when any of its records is
    SELECT a.year, a.ancestor_code AS unit_code, a.unit_code AS child, bool_or(coalesce(c.disciplined, false)) AS flagged
    FROM unit_ancestors_by_year a
    JOIN collective_ratings c ON c.unit_code = a.unit_code AND c.year = a.year
    WHERE a.distance = 1 AND a.year BETWEEN $first_year AND $last_year
    GROUP BY ALL
),
shares AS (
    SELECT year, unit_code, count(*) AS total, count(*) FILTER (flagged) AS flagged FROM children GROUP BY ALL
)
SELECT r.year, r.unit_code, r.subject, r.unit_code AS subject_key,
       concat(coalesce(u.name, r.unit_code), ' (', lower(s.name), ') xếp ', r.short, ' nhưng ', sh.flagged, '/',
              sh.total, ' đơn vị trực thuộc (',
              regexp_replace(replace(printf('%.1f', 100.0 * sh.flagged / sh.total), '.', ',') || '%', ',0%$', '%'),
              ') ghi có thành viên hoặc đơn vị trực thuộc bị kỷ luật trong năm; trên ',
              regexp_replace(replace(printf('%.1f', 100 * $ty_le_don_vi_ky_luat), '.', ',') || '%', ',0%$', '%'),
              ' số đơn vị trực thuộc bị kỷ luật thì tập thể lãnh đạo xếp KHTNV — cần xác định đơn vị nào bị kỷ luật')
           AS detail,
       'ho_so_tap_the' AS basis, r.load_id, r.source_sheet, r.source_row
FROM rated r
JOIN shares sh ON sh.unit_code = r.unit_code AND sh.year = r.year
LEFT JOIN units u ON u.unit_code = r.unit_code
LEFT JOIN subjects s ON s.code = r.subject
WHERE sh.total > 0 AND sh.flagged > $ty_le_don_vi_ky_luat * sh.total + 1e-9
ORDER BY r.year, r.unit_code, r.subject;
