-- rule: diem_tren_khung
-- title: Điểm đánh giá đạt khung điểm của mức cao hơn mức được xếp
-- years: 2014-2017, 2025-
-- severity: can_xem_xet
-- document: Khung điểm của 27-HD/BTCTW như kế hoạch năm 2017 của Đảng ủy phường Hương Xuân ghi (tài liệu 001, mục
--   III.2.3; văn bản của một địa phương) và 366-QĐ/TW (30/8/2025) với 43-HD/BTCTW. 27-HD
--   cho phép xếp thấp hơn khung điểm khi chưa đủ điều kiện khác của mức cao ("đạt từ 90 điểm trở lên nhưng chưa đạt
--   mức Trong sạch, vững mạnh"), nên đây là trường hợp cần xem xét lý do, không phải vi phạm.
-- description: Member and collective records with a score that reaches the minimum of a level better than the one
--   given (HTT with 90 points or more, HTNV with 70 or more, KHTNV with 50 or more). Band minimums from the config.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: min_htxs float required — điểm tối thiểu của mức HTXS
-- param: min_htt float required — điểm tối thiểu của mức HTT
-- param: min_ht float required — điểm tối thiểu của mức HTNV (dưới mức này là KHTNV)
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH records AS (    -- the texts naming a record are built below, for the records the rule reports only
    SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key, m.level, m.score,
           'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
    FROM member_ratings m
    WHERE m.score IS NOT NULL AND m.level IS NOT NULL AND m.year BETWEEN $first_year AND $last_year
    UNION ALL
    SELECT c.year, c.unit_code, c.subject, c.unit_code, c.level, c.score,
           'ho_so_tap_the', c.load_id, c.source_sheet, c.source_row
    FROM collective_ratings c
    WHERE c.score IS NOT NULL AND c.level IS NOT NULL AND c.year BETWEEN $first_year AND $last_year
),
banded AS (   -- the best level whose band the score reaches
    SELECT *, CASE WHEN score >= $min_htxs THEN 1 WHEN score >= $min_htt THEN 2 WHEN score >= $min_ht THEN 3 ELSE 4 END
                  AS band_level
    FROM records
),
reported AS (SELECT * FROM banded WHERE band_level < level),
scored AS (
    SELECT r.*, CASE WHEN r.basis = 'ho_so_ca_nhan'
                     THEN concat('Đảng viên ', left(r.subject_key, 8), ' (', coalesce(u.name, r.unit_code), ')')
                     ELSE concat(coalesce(u.name, r.unit_code), ' (', lower(s.name), ')') END AS who
    FROM reported r LEFT JOIN units u ON u.unit_code = r.unit_code LEFT JOIN subjects s ON s.code = r.subject
)
SELECT b.year, b.unit_code, b.subject, b.subject_key,
       concat(b.who, ' đạt ', regexp_replace(replace(printf('%.1f', b.score), '.', ','), ',0$', ''),
              ' điểm, trong khung của mức ', lb.short, ', nhưng xếp ', l.short,
              ' (cần ghi rõ điều kiện nào của mức cao hơn chưa đạt)') AS detail,
       b.basis, b.load_id, b.source_sheet, b.source_row
FROM scored b JOIN levels l ON l.level = b.level JOIN levels lb ON lb.level = b.band_level
ORDER BY b.year, b.unit_code, b.subject_key;
