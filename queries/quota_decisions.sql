-- name: quota_decisions
-- title: Quyết định của cấp có thẩm quyền cho phép tỷ lệ HTXS cao hơn (đến mức ngoại lệ của quy định)
-- description: The decisions recorded in table quota_decisions (operations/quota_decisions.py: python -m etl quyet-dinh,
--   the quota page's form), newest first, with the group's name and whether the latest decision on the group is this
--   one (only the latest counts in the quota audit). A decision allows at most the rule's exception ceiling
--   (366-QĐ/TW: 25% of HTT).
-- param: year int optional — năm đánh giá
-- param: subject text optional — mã đối tượng
-- columns: decision_id, year, subject, group_key, unit_code, group_name, ratio, document_no, decided_by, decided_on,
--   recorded_by, recorded_at, note, in_force
SELECT d.decision_id, d.year, d.subject, d.group_key, d.unit_code,
       coalesce((SELECT any_value(q.unit) FROM quota_audit q
                 WHERE q.year = d.year AND q.subject = d.subject AND q.group_key = d.group_key),
                u.name, d.group_key) AS group_name,
       d.ratio, d.document_no, d.decided_by, d.decided_on, d.recorded_by, d.recorded_at, d.note,
       d.recorded_at = max(d.recorded_at) OVER (PARTITION BY d.year, d.subject, d.group_key) AS in_force
FROM quota_decisions d
LEFT JOIN units u ON u.unit_code = d.unit_code
WHERE ($year IS NULL OR d.year = $year)
  AND ($subject IS NULL OR d.subject = $subject)
ORDER BY d.recorded_at DESC, d.decision_id DESC;
