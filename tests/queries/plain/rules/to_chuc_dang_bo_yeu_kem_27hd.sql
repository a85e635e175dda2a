-- rule: to_chuc_dang_bo_yeu_kem_27hd
-- title: Đảng bộ có trên 1/3 tổ chức đảng trực thuộc "Yếu kém" nhưng không xếp loại "Yếu kém" (trước 2018)
-- years: 2014-2017
-- severity: vi_pham
-- document: 27-HD/BTCTW (25/9/2014): đảng bộ có trên 1/3 tổ chức đảng trực thuộc yếu kém là đảng bộ yếu kém.
-- description: Collective ratings (tccsd or chi_bo) other than Yếu kém of a unit whose directly subordinate
--   organizations (tree of that year) are Yếu kém in more than the configured share (1/3); without their ratings, the
--   counts of subordinate chi bộ the unit reported.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: ty_le_yeu_kem float required — tỷ lệ tổ chức trực thuộc yếu kém mà vượt quá thì đảng bộ phải xếp Yếu kém
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rated AS (
    SELECT c.* FROM collective_ratings c
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level < 4 AND c.subject IN ('tccsd', 'chi_bo')
),
children AS (
    SELECT a.year, a.ancestor_code AS unit_code, count(*) FILTER (c.level = 4) AS bad, count(*) AS total,
           'ho_so_tap_the' AS child_basis
    FROM unit_ancestors_by_year a
    JOIN collective_ratings c ON c.unit_code = a.unit_code AND c.year = a.year
    WHERE a.distance = 1 AND c.subject IN ('tccsd', 'chi_bo') AND c.level IS NOT NULL
    GROUP BY ALL
    UNION ALL
    SELECT a.year, a.unit_code, a.khtnv, a.htxs + a.htt + a.ht + a.khtnv, 'so_lieu_tong_hop'
    FROM aggregate_counts a
    WHERE a.subject = 'chi_bo'
      AND NOT EXISTS (SELECT 1 FROM unit_ancestors_by_year d
                      JOIN collective_ratings c ON c.unit_code = d.unit_code AND c.year = d.year
                      WHERE d.ancestor_code = a.unit_code AND d.year = a.year AND d.distance = 1
                        AND c.subject IN ('tccsd', 'chi_bo'))
)
SELECT r.year, r.unit_code, r.subject, r.unit_code AS subject_key,
       concat(coalesce(u.name, r.unit_code), ' có ', ch.bad, '/', ch.total, ' tổ chức đảng trực thuộc yếu kém (trên ',
              regexp_replace(replace(printf('%.1f', 100 * $ty_le_yeu_kem), '.', ',') || '%', ',0%$', '%'),
              ') nhưng xếp ', CASE r.level WHEN 1 THEN 'Trong sạch, vững mạnh' WHEN 2 THEN 'Hoàn thành tốt nhiệm vụ'
                                           ELSE 'Hoàn thành nhiệm vụ' END, ', không phải Yếu kém') AS detail,
       concat('ho_so_tap_the', CASE WHEN ch.child_basis <> 'ho_so_tap_the' THEN ', ' || ch.child_basis ELSE '' END)
           AS basis, r.load_id, r.source_sheet, r.source_row
FROM rated r
JOIN children ch ON ch.unit_code = r.unit_code AND ch.year = r.year
LEFT JOIN units u ON u.unit_code = r.unit_code
WHERE ch.total > 0 AND ch.bad > $ty_le_yeu_kem * ch.total + 1e-9
ORDER BY r.year, r.unit_code;
