-- name: member_streaks
-- title: Đảng viên HTXS nhiều năm liền, dựng sẵn theo năm cuối
-- description: For each final year of $years: the members rated HTXS in every one of the $n years ending at it
--   (rule 'nam_nam_lien' of commendation_rules), with the chi bộ of their last such year (= that final year). Built
--   by derive/audits.py into table member_streaks for every year with member ratings; queries/five_year_excellent.sql
--   reads it. One grouped pass over the HTXS rows of all the windows: a member's HTXS years are bits of one number
--   (bit 0 = the first year read; derive/audits.py keeps the span of one run under 60 years), and a window is full
--   when its n bits are all set (then its first year is year − n + 1 and its last the final year).
-- param: years text required — danh sách năm cuối (list of INTEGER)
-- param: n int required — số năm liền
WITH htxs AS (
    SELECT member_key, year, chi_bo_code FROM member_ratings
    WHERE level = 1 AND year BETWEEN list_min($years) - $n + 1 AND list_max($years)
),
bits AS (
    SELECT member_key, bit_or(1::BIGINT << (year - (list_min($years) - $n + 1))::INTEGER) AS b
    FROM htxs GROUP BY member_key
),
ends AS (SELECT DISTINCT unnest($years)::INTEGER AS year)
SELECT e.year, h.member_key, any_value(h.chi_bo_code) AS chi_bo_code,   -- (one HTXS row per member and year)
       (e.year - $n + 1)::INTEGER AS first_year, e.year AS last_year, CAST($n AS INTEGER) AS years
FROM ends e JOIN htxs h ON h.year = e.year JOIN bits USING (member_key)
WHERE (bits.b >> (e.year - $n + 1 - (list_min($years) - $n + 1))::INTEGER) & ((1::BIGINT << $n) - 1)
      = (1::BIGINT << $n) - 1
GROUP BY e.year, h.member_key
