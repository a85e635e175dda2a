-- name: unit_tree
-- title: Cây đơn vị, dựng sẵn
-- description: Every unit with its depth and path from the top in today's tree, its parent, the number of its direct
--   subordinate units (today or in any year's tree) and of all units under it today, and tree_order: its place when
--   each unit comes right after its parent and siblings in Vietnamese alphabetical order; name_order: the rank of its
--   name in Vietnamese alphabetical order (a query sorting many rows by unit name sorts this integer instead of
--   collating each name). Built by derive/audits.py
--   into table unit_tree (at national scale the path and the counts took ~3 s per request); queries/units_tree.sql
--   reads it. In a restricted connection queries/scope.py makes unit_tree a view of this statement over the user's
--   own part of the tree, whose top becomes depth 0.
WITH paths AS (
    SELECT a.unit_code, string_agg(u.name, ' › ' ORDER BY a.distance DESC) AS path, max(a.distance) AS depth
    FROM unit_ancestors a JOIN units u ON u.unit_code = a.ancestor_code
    GROUP BY a.unit_code
),
kids AS (          -- direct subordinates today or in any year's tree
    SELECT parent_code, count(DISTINCT unit_code) AS n FROM (
        SELECT parent_code, unit_code FROM units WHERE parent_code IS NOT NULL
        UNION ALL
        SELECT ancestor_code, unit_code FROM unit_ancestors_by_year WHERE distance = 1)
    GROUP BY parent_code
),
below AS (
    SELECT ancestor_code, count(*) - 1 AS n FROM unit_ancestors GROUP BY ancestor_code
)
SELECT u.unit_code, u.name, u.name_key, p.depth::INTEGER AS depth, u.tree_level, tl.name AS tree_level_name,
       u.kind, u.parent_code, pu.name AS parent_name, u.first_year::INTEGER AS first_year,
       u.last_year::INTEGER AS last_year, coalesce(k.n, 0)::INTEGER AS children,
       coalesce(b.n, 0)::INTEGER AS descendants, p.path,
       row_number() OVER (ORDER BY p.path COLLATE vi, u.unit_code) AS tree_order,
       dense_rank() OVER (ORDER BY u.name COLLATE vi) AS name_order
FROM units u
JOIN paths p USING (unit_code)
LEFT JOIN units pu ON pu.unit_code = u.parent_code
LEFT JOIN tree_levels tl ON tl.code = u.tree_level
LEFT JOIN kids k ON k.parent_code = u.unit_code
LEFT JOIN below b ON b.ancestor_code = u.unit_code
