-- rule: so_lieu_tong_hop_lech_ho_so
-- title: Số liệu tổng hợp đơn vị báo cáo khác số đếm từ hồ sơ từng người, từng tập thể
-- years: 2014-
-- severity: can_xem_xet
-- document: Hồ sơ gửi cấp trên (tài liệu 000, 001 mục IV.8: báo cáo kết quả đánh giá phải khớp danh sách, phiếu
--   đánh giá); số liệu báo cáo phải đúng số đã xếp loại. Lệch có thể do báo cáo sai hoặc do chưa nạp đủ hồ sơ.
-- description: Aggregate counts a unit reported for a year and subject, compared with the records of the same subject
--   counted over the unit's subtree in the tree of that year (members at their chi bộ, collectives at themselves).
--   Compared only where such records exist. Not-rated counts are compared when the report gives them.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH rec AS (
    SELECT a.ancestor_code AS unit_code, r.year, r.subject, sum(r.htxs) AS htxs, sum(r.htt) AS htt, sum(r.ht) AS ht,
           sum(r.khtnv) AS khtnv, sum(r.not_rated) AS not_rated, count(DISTINCT r.unit_code) AS units
    FROM record_counts r JOIN unit_ancestors_by_year a ON a.unit_code = r.unit_code AND a.year = r.year
    WHERE r.year BETWEEN $first_year AND $last_year
      AND (a.ancestor_code, a.year) IN (SELECT unit_code, year FROM aggregate_counts)   -- only units that report
    GROUP BY ALL
)
SELECT g.year, g.unit_code, g.subject, g.unit_code AS subject_key,
       concat(coalesce(u.name, g.unit_code), ' báo cáo ', lower(s.name), ' năm ', g.year, ': HTXS ',
              format('{:t.}', g.htxs), ', HTT ', format('{:t.}', g.htt), ', HTNV ', format('{:t.}', g.ht), ', KHTNV ',
              format('{:t.}', g.khtnv),
              CASE WHEN g.not_rated IS NOT NULL THEN concat(', không xếp loại ', format('{:t.}', g.not_rated)) ELSE '' END,
              '; hồ sơ ', CASE WHEN s.is_individual THEN 'từng người' ELSE 'từng tập thể' END, ' (',
              format('{:t.}', r.units), ' đơn vị): HTXS ', format('{:t.}', r.htxs), ', HTT ', format('{:t.}', r.htt),
              ', HTNV ', format('{:t.}', r.ht), ', KHTNV ', format('{:t.}', r.khtnv),
              CASE WHEN g.not_rated IS NOT NULL THEN concat(', không xếp loại ', format('{:t.}', r.not_rated)) ELSE '' END)
           AS detail,
       CASE WHEN s.is_individual THEN 'so_lieu_tong_hop, ho_so_ca_nhan' ELSE 'so_lieu_tong_hop, ho_so_tap_the' END
           AS basis, g.load_id, g.source_sheet, g.source_row
FROM aggregate_counts g
JOIN rec r ON r.unit_code = g.unit_code AND r.year = g.year AND r.subject = g.subject
LEFT JOIN units u ON u.unit_code = g.unit_code
LEFT JOIN subjects s ON s.code = g.subject
WHERE g.year BETWEEN $first_year AND $last_year
  AND (g.htxs <> r.htxs OR g.htt <> r.htt OR g.ht <> r.ht OR g.khtnv <> r.khtnv
       OR (g.not_rated IS NOT NULL AND g.not_rated <> r.not_rated))
ORDER BY g.year, g.unit_code, g.subject;
