-- rule: thong_ke_ty_le_htxs_tang_dot_bien
-- title: Tỷ lệ xếp HTXS của một đơn vị tăng đột biến so với năm trước
-- years: 2014-
-- severity: bat_thuong
-- document: Dấu hiệu thống kê, không phải quy định: Ủy ban Kiểm tra xem xét đơn vị có tỷ lệ "Hoàn thành xuất sắc"
--   tăng mạnh trong một năm (domain.md §1, §6). Ngưỡng tăng và quy mô tối thiểu trong tệp cấu hình.
-- description: Share of HTXS among the rated, per unit, subject and year: members per grassroots organization (tree of
--   that year) from individual records, subordinate organizations per parent from collective records, and reported
--   aggregates where no record covers the unit. A finding when the share rises by more than tang_toi_da from the
--   year before, both years with at least quy_mo_toi_thieu rated.
-- years_read: previous    (compares with the year before)
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: tang_toi_da float required — mức tăng tỷ lệ HTXS trong một năm được coi là đột biến (0,15 = 15 điểm %)
-- param: quy_mo_toi_thieu int required — số được xếp loại tối thiểu mỗi năm để so sánh
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH grassroots AS (   -- each chi bộ's grassroots organization in the tree of each year (series: the years of the
                       -- range and the year before the first, the years a finding compares)
    SELECT a.year, a.unit_code, a.ancestor_code AS tccsd_code
    FROM unit_ancestors_by_year a JOIN units g ON g.unit_code = a.ancestor_code
    WHERE g.tree_level IN ('dang_bo_co_so', 'chi_bo_co_so') AND a.year BETWEEN $first_year - 1 AND $last_year
),
series AS (
    SELECT g.tccsd_code AS unit_code, r.year, r.subject, sum(r.htxs) AS htxs,
           sum(r.htxs + r.htt + r.ht + r.khtnv) AS total, 'ho_so_ca_nhan' AS basis
    FROM record_counts r JOIN grassroots g ON g.unit_code = r.unit_code AND g.year = r.year
    WHERE r.subject = 'dang_vien' AND r.year BETWEEN $first_year - 1 AND $last_year
    GROUP BY ALL
    UNION ALL
    SELECT a.ancestor_code, c.year, c.subject, count(*) FILTER (c.level = 1), count(*), 'ho_so_tap_the'
    FROM collective_ratings c
    JOIN unit_ancestors_by_year a ON a.unit_code = c.unit_code AND a.year = c.year AND a.distance = 1
    WHERE c.level IS NOT NULL AND c.year BETWEEN $first_year - 1 AND $last_year
    GROUP BY ALL
    UNION ALL
    SELECT a.unit_code, a.year, a.subject, a.htxs, a.total, 'so_lieu_tong_hop'
    FROM aggregate_counts a
    WHERE NOT EXISTS (SELECT 1 FROM unit_ancestors_by_year d JOIN record_counts r
                        ON r.unit_code = d.unit_code AND r.year = d.year
                      WHERE d.ancestor_code = a.unit_code AND d.year = a.year AND r.subject = a.subject
                        AND d.year BETWEEN $first_year - 1 AND $last_year
                        AND d.ancestor_code IN (SELECT unit_code FROM aggregate_counts))
),
paired AS (
    SELECT s.*, p.htxs AS prev_htxs, p.total AS prev_total, p.basis AS prev_basis
    FROM series s JOIN series p ON p.unit_code = s.unit_code AND p.subject = s.subject AND p.year = s.year - 1
    WHERE s.year BETWEEN $first_year AND $last_year
      AND s.total >= $quy_mo_toi_thieu AND p.total >= $quy_mo_toi_thieu
),
jumps AS (
    SELECT *, htxs / total AS share, prev_htxs / prev_total AS prev_share FROM paired
)
SELECT j.year, j.unit_code, j.subject, j.unit_code AS subject_key,
       concat('Tỷ lệ ', CASE WHEN sj.is_individual THEN lower(sj.name) ELSE concat(lower(sj.name), ' trực thuộc') END,
              ' xếp HTXS của ', coalesce(u.name, j.unit_code), ' tăng từ ',
              regexp_replace(replace(printf('%.1f', 100 * j.prev_share), '.', ','), ',0$', ''), '% (',
              format('{:t.}', j.prev_htxs), '/', format('{:t.}', j.prev_total), ') năm ', j.year - 1, ' lên ',
              regexp_replace(replace(printf('%.1f', 100 * j.share), '.', ','), ',0$', ''), '% (',
              format('{:t.}', j.htxs), '/', format('{:t.}', j.total), ') năm ', j.year, ' (+',
              regexp_replace(replace(printf('%.1f', 100 * (j.share - j.prev_share)), '.', ','), ',0$', ''),
              ' điểm %; ngưỡng ', regexp_replace(replace(printf('%.1f', 100 * $tang_toi_da), '.', ','), ',0$', ''),
              ' điểm %)') AS detail,
       CASE WHEN j.basis = j.prev_basis THEN j.basis ELSE concat(j.basis, ', ', j.prev_basis) END AS basis,
       NULL::INTEGER AS load_id, NULL::VARCHAR AS source_sheet, NULL::INTEGER AS source_row
FROM jumps j
LEFT JOIN units u ON u.unit_code = j.unit_code
LEFT JOIN subjects sj ON sj.code = j.subject
WHERE j.share - j.prev_share > $tang_toi_da + 1e-9
ORDER BY j.year, j.unit_code, j.subject;
