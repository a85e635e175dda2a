-- name: stored_findings
-- title: Phát hiện của danh mục kiểm tra đã lưu trong kho
-- description: The findings derive/audits.py stored at the last load (table inspection_findings), as the `findings`
--   view of queries/composite.py: a view over the table, not a copy (copying a year's 92 k national rows with their
--   texts took ~60 ms per request, all years ~230 ms). Unfiltered: the composite query filters (year, severity, and
--   the rules through rule_catalog). Unordered: seq is each row's place in its rule's findings of that year, and
--   composite.findings orders by catalog order, year, seq; the anomalies query orders its own way, seq last.
SELECT rule, severity, year, unit_code, subject, subject_key, detail, basis, load_id, source_sheet, source_row,
       title, document, seq
FROM inspection_findings
