-- rule: htxs_chua_khac_phuc_han_che
-- title: Tập thể xếp HTXS nhưng hạn chế, khuyết điểm chỉ ra năm trước còn ghi chưa hoặc đang khắc phục
-- years: 2025-
-- severity: vi_pham
-- document: 366-QĐ/TW (30/8/2025): xếp "Hoàn thành xuất sắc nhiệm vụ" phải khắc phục 100% hạn chế, khuyết điểm đã
--   được chỉ ra. Đơn vị tự ghi hạn chế chưa hoặc đang khắc phục mà vẫn xếp HTXS: vi phạm — cùng mức với truy vấn
--   shortcoming_366 (trạng thái vi_pham khi có hạn chế được báo cáo chưa khắc phục); hạn chế tái diễn hoặc không báo
--   cáo kết quả khắc phục chỉ là cần xem xét ở truy vấn đó, không thuộc quy tắc này.
-- description: Collective ratings at HTXS in a year while shortcomings recorded for the same unit the year before
--   (same subject, or no subject given) have remedy status chua_khac_phuc or dang_khac_phuc.
-- years_read: previous    (compares with the year before)
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH open_items AS (
    SELECT c.year, c.unit_code, c.subject, count(*) AS n,
           count(*) FILTER (s.remedy_status = 'chua_khac_phuc') AS chua,
           count(*) FILTER (s.remedy_status = 'dang_khac_phuc') AS dang,
           min(s.text_norm) AS example
    FROM collective_ratings c
    JOIN shortcomings s ON s.unit_code = c.unit_code AND s.year = c.year - 1
                       AND (s.subject IS NULL OR s.subject = c.subject)
    WHERE c.year BETWEEN $first_year AND $last_year AND c.level = 1
      AND s.remedy_status IN ('chua_khac_phuc', 'dang_khac_phuc')
    GROUP BY ALL
)
SELECT o.year, o.unit_code, o.subject, o.unit_code AS subject_key,
       concat(coalesce(u.name, o.unit_code), ' (', lower(sj.name), ') xếp HTXSNV năm ', o.year, ' nhưng ', o.n,
              ' hạn chế, khuyết điểm năm ', o.year - 1, ' còn ghi ',
              concat_ws(', ', CASE WHEN o.chua > 0 THEN concat(o.chua, ' chưa khắc phục') END,
                              CASE WHEN o.dang > 0 THEN concat(o.dang, ' đang khắc phục') END),
              ' (ví dụ: "', left(o.example, 120), CASE WHEN length(o.example) > 120 THEN '…' ELSE '' END, '")') AS detail,
       'ho_so_tap_the, han_che_khuyet_diem' AS basis, c.load_id, c.source_sheet, c.source_row
FROM open_items o
JOIN collective_ratings c ON c.unit_code = o.unit_code AND c.year = o.year AND c.subject = o.subject
LEFT JOIN units u ON u.unit_code = o.unit_code
LEFT JOIN subjects sj ON sj.code = o.subject
ORDER BY o.year, o.unit_code, o.subject;
