-- rule: ty_le_htxs_chua_kiem_chung
-- title: Số xếp HTXS vượt một tỷ lệ chưa kiểm chứng trong văn bản (tổ chức, tập thể 2019–2022) — cần xem xét
-- years: 2014-
-- severity: can_xem_xet
-- document: 21-HD/BTCTW nói tỷ lệ 20% số HTT đối với đảng viên; tỷ lệ đối với tổ chức, tập thể trong 2019–2022 chưa
--   tìm thấy trong văn bản ([U], data/reference/quota_rules.csv: certainty U) — áp dụng như đảng viên để tham khảo.
-- description: Rows of queries/quota.sql with status 'can_xem_xet': over a quota rule the data marks unverified. To
--   review, never a breach; apart from ty_le_htxs_can_quyet_dinh so that the worklist can weigh it as the weaker
--   evidence it is (data/reference/worklist_weights.csv).
-- source_query: quota
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
SELECT q.year, q.unit_code, q.subject, q.group_key AS subject_key,
       concat(q.unit, ': ', format('{:t.}', q.htxs), ' ', lower(s.name), ' xếp HTXS so với ', format('{:t.}', q.htt),
              ' xếp HTT (', regexp_replace(replace(printf('%.1f', 100 * q.share_of_htt), '.', ','), ',0$', ''),
              '% số HTT), theo tỷ lệ ', regexp_replace(replace(printf('%.1f', 100 * q.ratio), '.', ','), ',0$', ''),
              '% được tối đa ', format('{:t.}', q.allowed), ' — tỷ lệ áp dụng chưa kiểm chứng trong văn bản',
              CASE WHEN q.basis = 'so_lieu_tong_hop' THEN ' (số liệu tổng hợp: chỉ chứng tỏ ít nhất một nhóm bên trong'
                   || ' đơn vị vượt tỷ lệ, không phải chính đơn vị)' ELSE '' END,
              '. Căn cứ: ', q.source) AS detail,
       q.basis, NULL::INTEGER AS load_id, NULL::VARCHAR AS source_sheet, NULL::INTEGER AS source_row
FROM src q LEFT JOIN subjects s ON s.code = q.subject
WHERE q.year BETWEEN $first_year AND $last_year AND q.status = 'can_xem_xet'
ORDER BY q.year, q.unit_code, q.subject, q.group_key, q."grouping";
