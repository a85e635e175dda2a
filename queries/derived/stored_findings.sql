-- name: stored_findings
-- title: Phát hiện của danh mục kiểm tra đã lưu trong kho
-- description: The findings etl/precompute.py stored at the last load (table inspection_findings), with the filters
--   of queries/composite.findings: the rules chosen (NULL = all), one year, one severity. Unordered (sorting the
--   rows with their texts cost ~0.1 s nationally): seq is each row's place in its rule's findings of that year, and
--   composite.findings orders by catalog order, year, seq; the anomalies query orders its own way, seq last.
-- param: rules text optional — danh sách mã quy tắc (list of VARCHAR)
-- param: year int optional — năm đánh giá
-- param: severity text optional — mức
SELECT rule, severity, year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row,
       title, document, seq
FROM inspection_findings
WHERE (CAST($rules AS VARCHAR[]) IS NULL OR list_contains(CAST($rules AS VARCHAR[]), rule))
  AND (CAST($year AS INTEGER) IS NULL OR year = $year)
  AND (CAST($severity AS VARCHAR) IS NULL OR severity = $severity)
