-- rule: ty_le_htxs_vuot_quy_dinh
-- title: Số xếp HTXS vượt tỷ lệ tối đa so với số xếp HTT (kể cả mức ngoại lệ được phép)
-- years: 2014-
-- severity: vi_pham
-- document: Quy tắc tỷ lệ của từng năm trong data/reference/quota_rules.csv: 21-HD/BTCTW (2019–2022, 20% số HTT trong
--   mỗi TCCSĐ); 124-QĐ/TW (2023–2024) và 366-QĐ/TW (từ 2025, 20%, được phép đến 25%) theo nhóm tương đồng; quy định
--   địa phương (kế hoạch 2017 phường Hương Xuân, 15%). Văn bản của từng dòng ghi trong nội dung phát hiện.
-- description: Rows of queries/quota.sql with status 'vuot' (over the ratio and over any exception ceiling, under a
--   rule read in its source). Rules marked unverified, the 20–25% band, and leaders as individuals
--   (can_bo_lanh_dao: quota.sql groups them by grassroots organization, not by the similar-role group the rule
--   means) are in ty_le_htxs_can_quyet_dinh, and so are small groups (status 'nhom_nho': fewer HTT than the rule's
--   small_htt) and groups a decision of the competent level allowed (status 'da_cho_phep': not a finding). A row
--   resting on a unit's reported aggregate (basis 'so_lieu_tong_hop') proves only that at least one group inside the
--   unit exceeded the ratio — if every group inside kept it, so would their sum — and says so: it is not the unit's
--   own breach, and the excess is the least total excess of the groups inside.
-- source_query: quota
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT q.year, q.unit_code, q.subject, q.group_key AS subject_key,
       CASE WHEN q.basis = 'so_lieu_tong_hop' THEN
       concat(q.unit, ' (số liệu tổng hợp): tổng ', format('{:t.}', q.htxs), ' ', lower(s.name),
              ' xếp HTXS so với ', format('{:t.}', q.htt), ' xếp HTT (',
              regexp_replace(replace(printf('%.1f', 100 * q.share_of_htt), '.', ','), ',0$', ''),
              '% số HTT), vượt ', format('{:t.}', q.excess), ' so với mức ', format('{:t.}', q.allowed),
              ' của tổng — chứng tỏ ít nhất một tổ chức cơ sở đảng (nhóm) bên trong đã vượt tỷ lệ, tổng số vượt của các',
              ' nhóm bên trong ít nhất ', format('{:t.}', q.excess),
              '; không phải kết luận đơn vị này vượt: cần số liệu từng nhóm để xác định nhóm nào. Căn cứ: ', q.source)
       ELSE
       concat(q.unit, ': ', format('{:t.}', q.htxs), ' ', lower(s.name), ' xếp HTXS so với ', format('{:t.}', q.htt),
              ' xếp HTT (', regexp_replace(replace(printf('%.1f', 100 * q.share_of_htt), '.', ','), ',0$', ''),
              '% số HTT), được phép tối đa ', format('{:t.}', q.allowed), ' — vượt ', format('{:t.}', q.excess),
              '. Căn cứ: ', q.source) END AS detail,
       q.basis, NULL::INTEGER AS load_id, NULL::VARCHAR AS source_sheet, NULL::INTEGER AS source_row
FROM src q LEFT JOIN subjects s ON s.code = q.subject
WHERE q.year BETWEEN $first_year AND $last_year AND q.status = 'vuot' AND q.subject <> 'can_bo_lanh_dao'
ORDER BY q.year, q.unit_code, q.subject, q.group_key, q."grouping";
