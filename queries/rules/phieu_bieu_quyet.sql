-- rule: phieu_bieu_quyet
-- title: Số phiếu tán thành không đạt tỷ lệ cần thiết cho mức xếp loại đảng viên
-- years: 2014-
-- severity: can_xem_xet
-- document: Kế hoạch năm 2017 của Đảng ủy phường Hương Xuân theo 27-HD/BTCTW (tài liệu 001, mục III.1.3) và hướng dẫn
--   năm 2011: đảng viên HTXS phải có trên 2/3 số đảng viên chính thức bỏ phiếu tán thành, các mức khác trên 1/2; đảng
--   viên dự bị không biểu quyết. Ngưỡng đọc trong kế hoạch của một địa phương, chưa đối chiếu văn bản trung ương; từ
--   2018 chưa tìm thấy quy định về tỷ lệ phiếu ([U]): mọi năm đều ở mức cần xem xét.
-- description: Member records with "Số phiếu tán thành" and "Số đảng viên chính thức" where the votes for the level
--   given are not above the configured share of official members (ty_le_htxs for HTXS, ty_le_khac for the others).
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- param: ty_le_htxs float required — tỷ lệ phiếu phải vượt để xếp HTXS (2/3)
-- param: ty_le_khac float required — tỷ lệ phiếu phải vượt để xếp các mức khác (1/2)
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH voted AS (
    SELECT m.*, CASE WHEN m.level = 1 THEN $ty_le_htxs ELSE $ty_le_khac END AS need
    FROM member_ratings m
    WHERE m.year BETWEEN $first_year AND $last_year AND m.level IS NOT NULL
      AND m.votes_for IS NOT NULL AND m.official_members > 0
)
SELECT v.year, v.chi_bo_code AS unit_code, 'dang_vien' AS subject, v.member_key AS subject_key,
       concat('Đảng viên ', left(v.member_key, 8), ' (', coalesce(u.name, v.chi_bo_code), ') xếp ', l.short, ' với ',
              v.votes_for, '/', v.official_members, ' đảng viên chính thức tán thành (',
              regexp_replace(replace(printf('%.1f', 100.0 * v.votes_for / v.official_members), '.', ',') || '%',
                             ',0%$', '%'),
              '; cần trên ', regexp_replace(replace(printf('%.1f', 100 * v.need), '.', ',') || '%', ',0%$', '%'),
              ')') AS detail,
       'ho_so_ca_nhan' AS basis, v.load_id, v.source_sheet, v.source_row
FROM voted v
JOIN levels l ON l.level = v.level
LEFT JOIN units u ON u.unit_code = v.chi_bo_code
WHERE v.votes_for <= v.need * v.official_members + 1e-9
ORDER BY v.year, v.chi_bo_code, v.member_key;
