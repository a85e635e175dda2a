-- name: member_streaks
-- title: Đảng viên HTXS nhiều năm liền, dựng sẵn theo năm cuối
-- description: For one final year $year: the members rated HTXS in every one of the $n years ending at it (rule
--   'nam_nam_lien' of commendation_rules), with the chi bộ of their last such year. Built by etl/precompute.py into
--   table member_streaks for every year with member ratings; queries/five_year_excellent.sql reads it. The years of
--   a member are counted as bits of one number: one grouped pass over the window's HTXS rows.
-- param: year int required — năm cuối của chuỗi
-- param: n int required — số năm liền
SELECT CAST($year AS INTEGER) AS year, m.member_key, arg_max(m.chi_bo_code, m.year) AS chi_bo_code,
       min(m.year)::INTEGER AS first_year, max(m.year)::INTEGER AS last_year,
       bit_count(bit_or(1::BIGINT << (m.year - ($year - $n + 1))::INTEGER))::INTEGER AS years
FROM member_ratings m
WHERE m.level = 1 AND m.year BETWEEN $year - $n + 1 AND $year
GROUP BY m.member_key
HAVING bit_count(bit_or(1::BIGINT << (m.year - ($year - $n + 1))::INTEGER)) = $n
