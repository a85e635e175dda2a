-- name: quota_by_year
-- title: Giới hạn tỷ lệ "Hoàn thành xuất sắc nhiệm vụ" theo từng năm (quy định toàn quốc)
-- description: For each year of the range and each subject, the national quota rule in force (table quota_rules,
--   scope 'toan_quoc'): HTXS may not exceed ratio × the number rated "Hoàn thành tốt nhiệm vụ"; exception_ratio is the
--   ceiling a competent level may allow (366-QĐ/TW: 25%). A rule for the subject wins over a rule for every subject
--   ('*'). Years without a rule have NULL ratio: no line is drawn there, none is invented.
-- param: from_year int required — từ năm
-- param: to_year int required — đến năm
-- param: subject text optional — mã đối tượng (bỏ trống: mọi đối tượng)
-- columns: year, subject, ratio, exception_ratio, rule, base, certainty, source
WITH p AS (
    SELECT CAST($from_year AS INTEGER) AS y0, CAST($to_year AS INTEGER) AS y1, CAST($subject AS VARCHAR) AS subject
),
ys AS (
    SELECT unnest(range(p.y0, p.y1 + 1))::INTEGER AS year FROM p
),
subs AS (
    SELECT s.code AS subject, s.sort_order FROM subjects s, p WHERE p.subject IS NULL OR s.code = p.subject
),
cand AS (
    SELECT ys.year, subs.subject, q.ratio, q.exception_ratio, q.rule_id, q.base, q.certainty, q.source,
           row_number() OVER (PARTITION BY ys.year, subs.subject
                              ORDER BY (q.subject = '*'), q.first_year DESC, q.rule_id) AS pick
    FROM ys CROSS JOIN subs
    JOIN quota_rules q ON ys.year BETWEEN q.first_year AND q.last_year
                      AND (q.subject = '*' OR q.subject = subs.subject)
                      AND q.scope = 'toan_quoc'
)
SELECT ys.year, subs.subject, c.ratio, c.exception_ratio, c.rule_id AS rule, c.base, c.certainty, c.source
FROM ys CROSS JOIN subs
LEFT JOIN cand c ON c.year = ys.year AND c.subject = subs.subject AND c.pick = 1
ORDER BY subs.sort_order, ys.year;
