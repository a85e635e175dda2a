-- rule: tieu_bieu_vuot_gioi_han
-- title: Số tổ chức đảng được tệp ghi "tiêu biểu" vượt giới hạn khen thưởng (tỷ lệ × số HTXS) — cần xem xét
-- years: 2014-
-- severity: can_xem_xet
-- document: Giới hạn "tiêu biểu" của data/reference/commendation_rules.csv: kế hoạch năm 2017 của Đảng ủy phường
--   Hương Xuân (tài liệu 001, quy định địa phương): "số tổ chức chi bộ được khen thưởng không vượt quá 20% tổng số các
--   chi bộ đạt trong sạch, vững mạnh"; các năm, đơn vị khác: mức tham khảo 20%, chưa tìm thấy văn bản trung ương. Quy
--   định địa phương hoặc chưa đối chiếu được văn bản: cần xem xét, không kết luận vi phạm.
-- description: Per year, subject (chi_bo, tccsd) and parent: the organizations whose file marks them "tiêu biểu"
--   (collective_ratings.exemplary, from a label such as "Trong sạch vững mạnh tiêu biểu" or the column "Tiêu biểu")
--   against the limit of the commendation rule that applies — floor(ratio × the organizations rated HTXS under that
--   parent), the rule of the year whose scope covers the parent, a local rule before a national one, exactly as
--   queries/exemplary_candidates.sql picks it. Reported only when the marks exceed the limit. Every rule of
--   commendation_rules.csv today is a local plan or a reference level (certainty U), so the severity is can_xem_xet;
--   the detail names the rule, its certainty and its source. A mark on an organization not rated HTXS is counted and
--   said.
-- param: first_year int required — năm đầu của khoảng áp dụng
-- param: last_year int required — năm cuối của khoảng áp dụng
-- columns: year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row
WITH cr AS (
    SELECT c.year, c.subject, u.parent_code, c.level, c.exemplary
    FROM collective_ratings c JOIN units u USING (unit_code)
    WHERE c.year BETWEEN $first_year AND $last_year AND c.subject IN ('tccsd', 'chi_bo') AND u.parent_code IS NOT NULL
),
groups AS (       -- only the groups with a mark can exceed
    SELECT year, subject, parent_code, count(*) FILTER (WHERE level = 1) AS htxs,
           count(*) FILTER (WHERE exemplary) AS marked,
           count(*) FILTER (WHERE exemplary AND level IS DISTINCT FROM 1) AS marked_not_htxs
    FROM cr GROUP BY ALL
    HAVING count(*) FILTER (WHERE exemplary) > 0
),
rules AS (        -- the rule of each group: of its year, covering its parent, a local one first
    SELECT g.year, g.subject, g.parent_code, r.rule_id, r.ratio, r.source, r.certainty, r.scope
    FROM groups g
    JOIN commendation_rules r ON r.subject = g.subject AND r.base = 'htxs' AND r.ratio IS NOT NULL
                             AND g.year BETWEEN coalesce(r.first_year, 0) AND coalesce(r.last_year, 9999)
    WHERE coalesce(r.scope, 'toan_quoc') = 'toan_quoc'
       OR g.parent_code IN (SELECT a.unit_code FROM unit_ancestors a JOIN units s ON a.ancestor_code = s.unit_code
                            WHERE s.unit_code = r.scope OR s.name_key = vkey(r.scope))
    QUALIFY row_number() OVER (PARTITION BY g.year, g.subject, g.parent_code
                               ORDER BY (coalesce(r.scope, 'toan_quoc') = 'toan_quoc'), r.first_year DESC, r.rule_id) = 1
),
judged AS (
    SELECT g.*, r.rule_id, r.ratio, r.source, r.certainty, r.scope,
           floor(r.ratio * g.htxs + 1e-9)::INTEGER AS allowed
    FROM groups g JOIN rules r USING (year, subject, parent_code)
)
SELECT j.year, j.parent_code AS unit_code, j.subject, j.parent_code AS subject_key,
       concat(coalesce(p.name, j.parent_code), ': ', j.marked::VARCHAR, ' ', lower(s.name),
              ' được tệp xếp loại ghi "tiêu biểu", trong khi theo tỷ lệ ',
              regexp_replace(replace(printf('%.1f', 100 * j.ratio), '.', ','), ',0$', ''), '% của ',
              j.htxs::VARCHAR, ' tổ chức xếp HTXS chỉ được tối đa ', j.allowed::VARCHAR,
              CASE WHEN j.marked_not_htxs > 0
                   THEN ' (trong đó ' || j.marked_not_htxs::VARCHAR || ' không xếp HTXS)' ELSE '' END,
              '. Căn cứ (', j.rule_id, ', ',
              CASE WHEN j.certainty = 'R' AND coalesce(j.scope, 'toan_quoc') <> 'toan_quoc'
                       THEN 'quy định của ' || j.scope
                   WHEN j.certainty = 'R' THEN 'đã đối chiếu văn bản'
                   ELSE 'mức tham khảo, chưa đối chiếu được văn bản' END,
              '): ', j.source) AS detail,
       'ho_so_tap_the' AS basis, NULL::INTEGER AS load_id, NULL::VARCHAR AS source_sheet, NULL::INTEGER AS source_row
FROM judged j
LEFT JOIN units p ON p.unit_code = j.parent_code
LEFT JOIN subjects s ON s.code = j.subject
WHERE j.marked > j.allowed
ORDER BY j.year, j.parent_code, j.subject;
