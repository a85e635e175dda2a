-- rule: diem_duoi_khung
-- title: Điểm đánh giá thấp hơn khung điểm của mức được xếp
-- years: 2014-2017, 2025-
-- severity: can_xem_xet 2014-2017; vi_pham 2025-
-- document: Năm 2014–2017: khung điểm đọc trong kế hoạch năm 2017 của Đảng ủy phường Hương Xuân theo 27-HD/BTCTW
--   (tài liệu 001, mục III.2.3: từ 90 điểm "Trong sạch, vững mạnh", 70 đến dưới 90 "Hoàn thành tốt", 50 đến dưới 70
--   "Hoàn thành", dưới 50 "Yếu kém") — văn bản của một địa phương, chưa đối chiếu nguyên văn 27-HD: cần xem xét. Từ
--   2025: 366-QĐ/TW (30/8/2025) với 43-HD/BTCTW (thang 100 điểm = 30 + 70): HTXS từ 90 điểm, HTT từ 70 đến dưới 90,
--   HTNV từ 50 đến dưới 70, dưới 50 điểm là KHTNV.
-- description: Member and collective records with a score rated at a level whose minimum score they do not reach
--   (a score under the HTNV minimum rated above KHTNV included). A score that reaches a higher level's band is rule
--   diem_tren_khung. Band minimums from the config.
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
banded AS (
    SELECT *, CASE level WHEN 1 THEN $min_htxs WHEN 2 THEN $min_htt WHEN 3 THEN $min_ht END AS min_score
    FROM records
),
reported AS (SELECT * FROM banded WHERE min_score IS NOT NULL AND score < min_score - 1e-9),
scored AS (
    SELECT r.*, CASE WHEN r.basis = 'ho_so_ca_nhan'
                     THEN concat('Đảng viên ', left(r.subject_key, 8), ' (', coalesce(u.name, r.unit_code), ')')
                     ELSE concat(coalesce(u.name, r.unit_code), ' (', lower(s.name), ')') END AS who
    FROM reported r LEFT JOIN units u ON u.unit_code = r.unit_code LEFT JOIN subjects s ON s.code = r.subject
)
SELECT b.year, b.unit_code, b.subject, b.subject_key,
       concat(b.who, ' đạt ', regexp_replace(replace(printf('%.1f', b.score), '.', ','), ',0$', ''), ' điểm nhưng xếp ',
              l.short, ' (mức này cần từ ', regexp_replace(replace(printf('%.1f', b.min_score), '.', ','), ',0$', ''),
              ' điểm', CASE WHEN b.score < $min_ht THEN concat('; dưới ',
                  regexp_replace(replace(printf('%.1f', $min_ht), '.', ','), ',0$', ''), ' điểm là KHTNV') ELSE '' END,
              ')') AS detail,
       b.basis, b.load_id, b.source_sheet, b.source_row
FROM scored b JOIN levels l ON l.level = b.level
ORDER BY b.year, b.unit_code, b.subject_key;
