-- name: subjects
-- title: Các đối tượng xếp loại
-- description: The six subjects in their usual order, with whether the warehouse holds any rating for each.
-- columns: code, name, is_individual, sort_order, has_data
SELECT s.code, s.name, s.is_individual, s.sort_order::INTEGER AS sort_order,
       (s.code IN (SELECT DISTINCT subject FROM record_counts)        -- (as EXISTS, a join of all 7.6 M rows)
        OR s.code IN (SELECT DISTINCT subject FROM aggregate_counts)) AS has_data
FROM subjects s
ORDER BY s.sort_order;
