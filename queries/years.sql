-- name: years
-- title: Các năm đánh giá có số liệu
-- description: Every evaluation year with at least one rating (individual records, collective ratings or reported
--   counts), oldest first.
-- columns: year
SELECT DISTINCT year::INTEGER AS year
FROM (SELECT year FROM record_counts
      UNION ALL SELECT year FROM aggregate_counts
      UNION ALL SELECT year FROM collective_ratings)
ORDER BY year;
