-- rule: ty_le_htxs_nhom_nho
-- title: Nhóm nhỏ (dưới 5 xếp HTT) có số xếp HTXS vượt 20% số HTT — cần xem xét, không kết luận vi phạm
-- years: 2014-
-- severity: can_xem_xet
-- document: 21-HD/BTCTW: "… không vượt quá 20% số đảng viên được xếp loại 'Hoàn thành tốt nhiệm vụ' trong từng tổ
--   chức cơ sở đảng"; 366-QĐ/TW Điều 11.1.5: "… theo đối tượng có vị trí, vai trò, chức năng, nhiệm vụ tương đồng, do
--   cấp có thẩm quyền xem xét, quyết định". Không văn bản nào nói cách tính với nhóm rất nhỏ
--   (data/reference/quota_rules.csv: small_htt, small_status).
-- description: Rows of queries/quota.sql with status 'nhom_nho': a group with fewer HTT than its rule's small_htt (5),
--   where floor(20% × HTT) is 0 or 1 and one HTXS is "over". The literal computation is kept and shown; the group is to
--   review, never a breach. Apart from ty_le_htxs_can_quyet_dinh so that the worklist can weigh it as the weak evidence
--   it is (data/reference/worklist_weights.csv).
-- source_query: quota
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT q.year, q.unit_code, q.subject, q.group_key AS subject_key,
       concat(q.unit, ': ', format('{:t.}', q.htxs), ' ', lower(s.name), ' xếp HTXS so với ', format('{:t.}', q.htt),
              ' xếp HTT (', regexp_replace(replace(printf('%.1f', 100 * q.share_of_htt), '.', ','), ',0$', ''),
              '% số HTT), theo tỷ lệ ', regexp_replace(replace(printf('%.1f', 100 * q.ratio), '.', ','), ',0$', ''),
              '% được tối đa ', format('{:t.}', q.allowed), ' — nhóm nhỏ (dưới ', q.small_htt::VARCHAR,
              ' người/tập thể xếp HTT): giới hạn gần như bằng 0, cần xem xét, không kết luận vi phạm',
              CASE WHEN q.basis = 'so_lieu_tong_hop' THEN ' (số liệu tổng hợp: chỉ chứng tỏ ít nhất một nhóm bên trong'
                   || ' đơn vị vượt tỷ lệ, không phải chính đơn vị)' ELSE '' END,
              '. Căn cứ: ', q.source) AS detail,
       q.basis, NULL::INTEGER AS load_id, NULL::VARCHAR AS source_sheet, NULL::INTEGER AS source_row
FROM src q LEFT JOIN subjects s ON s.code = q.subject
WHERE q.year BETWEEN $first_year AND $last_year AND q.status = 'nhom_nho'
ORDER BY q.year, q.unit_code, q.subject, q.group_key, q."grouping";
