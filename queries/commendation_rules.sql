-- name: commendation_rules
-- title: Quy định về khen thưởng: tỷ lệ "tiêu biểu", số năm liền
-- description: The configured commendation rules (data/reference/commendation_rules.csv, loaded as table
--   commendation_rules): per subject the largest share of the organizations rated HTXS under one parent that may be
--   commended "tiêu biểu" (seed 001: 20% of the chi bộ rated TSVM/HTXS), and the number of years of a "năm liền" list;
--   like the quota rules, each with the evaluation years it applies to, its scope ('toan_quoc' or the unit whose own
--   rule it is) and its certainty (R read in a source, I inferred, U unverified: a reference level, not a limit).
-- columns: rule_id, subject, ratio, base, streak_years, source, first_year, last_year, scope, certainty
SELECT rule_id, subject, ratio::DOUBLE AS ratio, base, streak_years::INTEGER AS streak_years, source,
       first_year::INTEGER AS first_year, last_year::INTEGER AS last_year, scope, certainty
FROM commendation_rules
ORDER BY rule_id;
