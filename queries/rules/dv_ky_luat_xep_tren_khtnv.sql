-- rule: dv_ky_luat_xep_tren_khtnv
-- title: Đảng viên bị kỷ luật trong năm nhưng xếp loại trên mức "Không hoàn thành nhiệm vụ"
-- years: 2014-2022
-- severity: vi_pham 2018-2022; can_xem_xet 2014-2017
-- document: 132-QĐ/TW (8/3/2018) với 16-HD/BTCTW, 21-HD/BTCTW — đảng viên bị thi hành kỷ luật trong năm (một vi phạm
--   bị xử lý kỷ luật chỉ tính một lần khi xếp loại) xếp loại "Không hoàn thành nhiệm vụ". Năm 2014–2017: kế hoạch năm
--   2017 của Đảng ủy phường Hương Xuân theo 27-HD/BTCTW (tài liệu 001, mục III.1.3.d, đảng viên đang chấp hành kỷ luật
--   trong thời hạn 1 năm) — quy định địa phương, nên chỉ ở mức cần xem xét.
-- description: Member records marked "Bị kỷ luật trong năm" (or with a discipline form) and rated HTXS, HTT or HTNV.
--   2023–2024: rules dv_ky_luat_124 and dv_ky_luat_124_tu_phat_hien (124-QĐ/TW excepts self-detected cases whose
--   consequences were remedied); from 2025 rules dv_ky_luat_366 and dv_ky_luat_366_tu_phat_hien.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT m.year, m.chi_bo_code AS unit_code, 'dang_vien' AS subject, m.member_key AS subject_key,
       concat('Đảng viên ', left(m.member_key, 8), ' (', coalesce(u.name, m.chi_bo_code), ') bị kỷ luật trong năm',
              CASE WHEN m.discipline_form IS NOT NULL THEN concat(' (', m.discipline_form, ')') ELSE '' END,
              ' nhưng xếp ', l.short, ' (đảng viên bị kỷ luật trong năm xếp KHTNV)') AS detail,
       'ho_so_ca_nhan' AS basis, m.load_id, m.source_sheet, m.source_row
FROM member_ratings m
JOIN levels l ON l.level = m.level
LEFT JOIN units u ON u.unit_code = m.chi_bo_code
WHERE m.year BETWEEN $first_year AND $last_year
  AND m.disciplined AND m.level < 4
ORDER BY m.year, m.chi_bo_code, m.member_key;
