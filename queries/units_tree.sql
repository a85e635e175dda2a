-- name: units_tree
-- title: Cây đơn vị
-- description: Every unit in tree order — each unit right after its parent, siblings in Vietnamese alphabetical
--   order (COLLATE vi) — with its depth and path from the top in today's tree, its parent, the number of its direct
--   subordinate units (today or in any year's tree) and of all units under it today. name_key is the search key
--   (vkey: no diacritics, lower case, đ→d), so "hoa binh" finds "Hòa Bình".
-- columns: unit_code, name, name_key, depth, tree_level, tree_level_name, kind, parent_code, parent_name,
--   first_year, last_year, children, descendants, path
SELECT unit_code, name, name_key, depth, tree_level, tree_level_name, kind, parent_code, parent_name, first_year,
       last_year, children, descendants, path
FROM unit_tree
ORDER BY tree_order;
