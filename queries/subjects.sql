-- name: subjects
-- title: Các đối tượng xếp loại
-- description: The six subjects in their usual order, with whether the warehouse holds any rating for each.
-- columns: code, name, is_individual, sort_order, has_data
SELECT s.code, s.name, s.is_individual, s.sort_order::INTEGER AS sort_order,
       (EXISTS (SELECT 1 FROM record_counts r WHERE r.subject = s.code)
        OR EXISTS (SELECT 1 FROM aggregate_counts a WHERE a.subject = s.code)) AS has_data
FROM subjects s
ORDER BY s.sort_order;
