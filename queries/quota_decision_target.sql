-- name: quota_decision_target
-- title: Nhóm của một quyết định cho phép tỷ lệ HTXS (để kiểm tra trước khi ghi)
-- description: The audit rows (table quota_audit) a decision may name: the year and subject given, and the group by
--   its key (quota_audit.group_key) or by its anchor unit's code or name; with the rule's ratio and exception
--   ceiling (operations/quota_decisions.py refuses a decision on a rule without a ceiling, or above it).
-- param: year int required — năm đánh giá
-- param: subject text required — mã đối tượng
-- param: group text required — mã nhóm (group_key), hoặc mã hay tên đơn vị của nhóm
-- columns: year, subject, group_key, unit_code, unit, htxs, htt, allowed, status, rule, ratio, exception_ratio
SELECT q.year, q.subject, q.group_key, q.unit_code, q.unit, q.htxs, q.htt, q.allowed, q.status, q.rule, q.ratio,
       q.exception_ratio
FROM quota_audit q
WHERE q.year = $year AND q.subject = $subject
  AND (q.group_key = $group OR q.unit_code = $group
       OR q.unit_code IN (SELECT unit_code FROM units WHERE name_key = vkey($group)))
ORDER BY (q.group_key = $group) DESC, q.group_key;
