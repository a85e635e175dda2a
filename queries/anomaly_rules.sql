-- name: anomaly_rules
-- title: Danh mục quy tắc kiểm tra xếp loại (mỗi quy tắc một tệp queries/rules/*.sql)
-- description: One row per rule of the inspection catalog: id, Vietnamese title, evaluation years, severity (per range
--   of years when it differs), the document it rests on, and its thresholds as configured in
--   data/reference/inspection_config.csv. ranges: the years as 'first-last' pairs (9999 = no end). Runs no rule.
-- composite: rules
-- views: rule_catalog
-- param: rule text optional — mã quy tắc (một hoặc nhiều, cách nhau bởi dấu phẩy)
-- columns: rule, title, years, severity, severity_by_year, document, description, thresholds, first_year, last_year,
--   ranges
SELECT rule, title, years, severity, severity_by_year, document, description, thresholds,
       first_year::INTEGER AS first_year, last_year::INTEGER AS last_year, ranges
FROM rule_catalog
ORDER BY sort_order;
