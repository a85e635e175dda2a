-- name: tree_epochs
-- title: Các giai đoạn của cây đơn vị có số liệu
-- description: The epochs of the tree that have data, each named by its first year: the trees of the years of one
--   epoch are the same (etl/warehouse.py copies one tree to every year of an epoch), so unit_tree — which reads the
--   years' trees only for each unit's direct subordinates in any year — changes with the units or with this set, not
--   with every year (derive/audits.py keys unit_tree on it).
WITH bounds AS (
    SELECT DISTINCT coalesce(first_year, 0) AS b FROM unit_versions
    UNION SELECT DISTINCT coalesce(last_year, 9999) + 1 FROM unit_versions
)
SELECT DISTINCT (SELECT max(b) FROM bounds WHERE b <= y.year) AS epoch
FROM (SELECT DISTINCT year FROM unit_ancestors_by_year) y ORDER BY epoch
