-- rule: ty_le_htxs_can_quyet_dinh
-- title: Số xếp HTXS vượt 20% số HTT nhưng trong mức ngoại lệ (cần quyết định cho phép), hoặc nhóm chưa rõ
-- years: 2014-
-- severity: can_xem_xet
-- document: 366-QĐ/TW (30/8/2025): cấp có thẩm quyền có thể cho phép đến 25% số HTT với tổ chức có thành tích nổi
--   trội — cần có quyết định; 21-HD/BTCTW: tỷ lệ đối với tổ chức chưa kiểm chứng (data/reference/quota_rules.csv).
-- description: Rows of queries/quota.sql with status 'can_quyet_dinh' (between the ratio and the exception ceiling),
--   and 'vuot' rows of leaders as individuals (can_bo_lanh_dao),
--   whose similar-role group (for example every head of a district office) the data cannot form: quota.sql counts
--   them per grassroots organization. Small groups ('nhom_nho') are rule ty_le_htxs_nhom_nho; a ratio the data
--   marks unverified ('can_xem_xet') is rule ty_le_htxs_chua_kiem_chung. Groups a decision of the
--   competent level allowed (status 'da_cho_phep') are not findings. Aggregate rows say they prove only that a group
--   inside exceeded.
-- source_query: quota
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT q.year, q.unit_code, q.subject, q.group_key AS subject_key,
       concat(q.unit, ': ', format('{:t.}', q.htxs), ' ', lower(s.name), ' xếp HTXS so với ', format('{:t.}', q.htt),
              ' xếp HTT (', regexp_replace(replace(printf('%.1f', 100 * q.share_of_htt), '.', ','), ',0$', ''),
              '% số HTT), theo tỷ lệ ', regexp_replace(replace(printf('%.1f', 100 * q.ratio), '.', ','), ',0$', ''),
              '% được tối đa ', format('{:t.}', q.allowed),
              CASE WHEN q.status = 'can_quyet_dinh' THEN ' — trong mức ngoại lệ, cần quyết định cho phép của cấp có thẩm quyền'
                   WHEN q.status = 'vuot' THEN concat(' — vượt ', format('{:t.}', q.excess), ' nếu tính cán bộ lãnh đạo',
                        ' trong một TCCSĐ là một nhóm; cần đối chiếu nhóm tương đồng thực tế')
                   END,
              CASE WHEN q.basis = 'so_lieu_tong_hop' THEN ' (số liệu tổng hợp: chỉ chứng tỏ ít nhất một nhóm bên trong'
                   || ' đơn vị vượt tỷ lệ, không phải chính đơn vị)' ELSE '' END,
              '. Căn cứ: ', q.source) AS detail,
       q.basis, NULL::INTEGER AS load_id, NULL::VARCHAR AS source_sheet, NULL::INTEGER AS source_row
FROM src q LEFT JOIN subjects s ON s.code = q.subject
WHERE q.year BETWEEN $first_year AND $last_year
  AND (q.status = 'can_quyet_dinh' OR (q.status = 'vuot' AND q.subject = 'can_bo_lanh_dao'))
ORDER BY q.year, q.unit_code, q.subject, q.group_key, q."grouping";
