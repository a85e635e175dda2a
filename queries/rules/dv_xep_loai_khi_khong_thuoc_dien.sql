-- rule: dv_xep_loai_khi_khong_thuoc_dien
-- title: Đảng viên không thuộc diện xếp loại (miễn sinh hoạt, đình chỉ, mới kết nạp) mà vẫn được xếp loại
-- years: 2014-
-- severity: can_xem_xet
-- document: Không xếp loại đảng viên được miễn công tác và sinh hoạt đảng, đảng viên mới kết nạp chưa đủ 6 tháng,
--   đảng viên bị đình chỉ sinh hoạt (27-HD/BTCTW, 132-QĐ/TW, 124-QĐ/TW, 366-QĐ/TW; tài liệu 001, mục III.1.1;
--   domain.md §2). Tệp xếp loại chỉ ghi một trong hai (mức hoặc lý do không xếp loại) cho mỗi năm, nên tình trạng của
--   năm được suy ra từ các năm liền kề: cần xem xét.
-- description: Member records rated in a year while the same member key is not rated as exempt (mien) or suspended
--   (dinh_chi) both the year before and the year after; or rated in a year while a later year's record says
--   "admitted less than 6 months before" (moi_ket_nap).
-- years_read: all         (a member rated in a year and recorded as newly admitted in any later year)
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH status AS (
    SELECT member_key, year, not_rated_reason FROM member_ratings WHERE not_rated_reason IS NOT NULL
),
reasons AS (
    SELECT * FROM (VALUES ('mien', 'miễn công tác và sinh hoạt đảng'), ('dinh_chi', 'đình chỉ sinh hoạt đảng'))
        t(reason, name)
),
between_years AS (   -- exempt or suspended the year before and the year after
    SELECT m.*, r.name AS why, NULL::INTEGER AS later_year
    FROM member_ratings m
    JOIN status b ON b.member_key = m.member_key AND b.year = m.year - 1
    JOIN status a ON a.member_key = m.member_key AND a.year = m.year + 1 AND a.not_rated_reason = b.not_rated_reason
    JOIN reasons r ON r.reason = b.not_rated_reason
    WHERE m.level IS NOT NULL AND m.year BETWEEN $first_year AND $last_year
),
before_admission AS (   -- rated, then "admitted less than 6 months before" in a later year
    SELECT m.*, NULL AS why, min(s.year) AS later_year
    FROM member_ratings m
    JOIN status s ON s.member_key = m.member_key AND s.year > m.year AND s.not_rated_reason = 'moi_ket_nap'
    WHERE m.level IS NOT NULL AND m.year BETWEEN $first_year AND $last_year
    GROUP BY ALL
)
SELECT f.year, f.chi_bo_code AS unit_code, 'dang_vien' AS subject, f.member_key AS subject_key,
       concat('Đảng viên ', left(f.member_key, 8), ' (', coalesce(u.name, f.chi_bo_code), ') được xếp ', l.short,
              ' năm ', f.year, CASE WHEN f.why IS NOT NULL
                   THEN concat(' nhưng năm ', f.year - 1, ' và năm ', f.year + 1, ' đều ghi ', f.why, ', không xếp loại')
                   ELSE concat(' nhưng hồ sơ năm ', f.later_year, ' ghi kết nạp chưa đủ 6 tháng, không xếp loại') END)
           AS detail,
       'ho_so_ca_nhan' AS basis, f.load_id, f.source_sheet, f.source_row
FROM (SELECT * FROM between_years UNION ALL BY NAME SELECT * FROM before_admission) f
JOIN levels l ON l.level = f.level
LEFT JOIN units u ON u.unit_code = f.chi_bo_code
ORDER BY f.year, f.chi_bo_code, f.member_key;
