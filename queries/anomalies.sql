-- name: anomalies
-- title: Dấu hiệu bất thường: xếp loại trái quy định hoặc đáng xem xét, theo từng quy tắc kiểm tra
-- description: Every finding of the inspection catalog (queries/rules/*.sql, one file per rule): each rule runs over
--   the evaluation years its header declares, with its thresholds from data/reference/inspection_config.csv (see
--   queries/composite.py). severity: vi_pham (breaks a written rule) | can_xem_xet (discretionary, or a rule not
--   verified for that year) | bat_thuong (a statistical signal). subject_key is the unit code or the pseudonymous
--   member key (names are never read). basis: the records the finding rests on (ho_so_ca_nhan, ho_so_tap_the,
--   so_lieu_tong_hop); source: the file, sheet and row of the main record. A unit filter keeps the unit's subtree.
-- composite: rules
-- views: rule_catalog, findings
-- param: year int optional — năm đánh giá
-- param: rule text optional — mã quy tắc (một hoặc nhiều, cách nhau bởi dấu phẩy)
-- param: severity text optional — vi_pham | can_xem_xet | bat_thuong
-- param: unit text optional — tên hoặc mã đơn vị: chỉ các phát hiện thuộc đơn vị này và đơn vị trực thuộc
-- columns: rule, severity, year, unit, subject, subject_key, detail, basis, unit_code, title, document, source
WITH p AS (
    SELECT CAST($unit AS VARCHAR) AS unit, CAST($severity AS VARCHAR) AS severity
),
target AS (
    SELECT u.unit_code FROM units u, p WHERE p.unit IS NOT NULL AND (u.unit_code = p.unit OR u.name_key = vkey(p.unit))
),
scope AS (   -- the unit filter's subtree, in the tree of each year and in today's tree
    SELECT unit_code FROM unit_ancestors WHERE ancestor_code IN (SELECT unit_code FROM target)
    UNION
    SELECT unit_code FROM unit_ancestors_by_year WHERE ancestor_code IN (SELECT unit_code FROM target)
)
SELECT f.rule, f.severity, f.year::INTEGER AS year, coalesce(ut.name, f.unit_code) AS unit, f.subject,
       f.subject_key, f.detail, f.basis, f.unit_code, c.title, c.document,      -- (the rule's own, as ENUM codes)
       nullif(concat_ws(', ', l.file_name,
                        CASE WHEN f.source_sheet IS NOT NULL THEN concat('trang ', f.source_sheet) END,
                        CASE WHEN f.source_row IS NOT NULL THEN concat('dòng ', f.source_row) END), '') AS source
FROM findings f
JOIN rule_catalog c ON c.rule = f.rule
LEFT JOIN unit_tree ut ON ut.unit_code = f.unit_code         -- (its name too: one join with 295 k units less)
LEFT JOIN loads l ON l.load_id = f.load_id, p
WHERE ($year IS NULL OR f.year = $year)        -- (stored findings are the whole table: queries/composite.py)
  AND (p.severity IS NULL OR f.severity = p.severity)
  AND (p.unit IS NULL OR f.unit_code IN (SELECT unit_code FROM scope))
-- units in Vietnamese name order through their rank (collating 92 k names nationally took ~0.2 s); a finding on a
-- code the tree does not know comes after the named units
ORDER BY CASE f.severity WHEN 'vi_pham' THEN 1 WHEN 'can_xem_xet' THEN 2 ELSE 3 END, f.year DESC, c.sort_order,
         ut.name_order NULLS LAST, f.unit_code, f.subject_key, f.seq;
