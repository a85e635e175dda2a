-- name: commendation_rules
-- title: Quy định về khen thưởng: tỷ lệ "tiêu biểu", số năm liền
-- description: The configured commendation rules (data/reference/commendation_rules.csv, loaded as table
--   commendation_rules): per subject the largest share of the organizations rated HTXS under one parent that may be
--   commended "tiêu biểu" (seed 001: 20% of the chi bộ rated TSVM/HTXS), and the number of years of a "năm liền" list.
-- columns: rule_id, subject, ratio, base, streak_years, source
SELECT rule_id, subject, ratio::DOUBLE AS ratio, base, streak_years::INTEGER AS streak_years, source
FROM commendation_rules
ORDER BY rule_id;
