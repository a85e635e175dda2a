-- name: lineage_fingerprint
-- title: Dấu vân tay của các sự kiện sáp nhập, chia tách
-- description: One text that changes whenever a lineage event is added, removed or changed (what today's structure
--   maps through). derive/audits.py keys today_counts on it: a file of lineage events alone changes no unit
--   version and no year of ratings, yet it changes today's structure.
SELECT coalesce(md5(string_agg(concat_ws('|', year, old_code, new_code, event, share), ';'
                               ORDER BY year, old_code, new_code, event, share)), '')
FROM lineage_events
