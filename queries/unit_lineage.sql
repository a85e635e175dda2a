-- name: unit_lineage
-- title: Đơn vị tiền thân và đơn vị kế tục
-- description: The merges, splits, renames and moves a unit took part in: its predecessors (direction
--   'tien_than': units that became this one) and its successors ('ke_tuc': units this one became), followed through
--   several events (generation 1 = direct). event: sap_nhap | chia_tach | doi_ten | chuyen_cap_tren.
-- param: unit text required — mã hoặc tên đơn vị
-- columns: direction, generation, year, event, unit_code, unit, share, first_year, last_year
WITH RECURSIVE p AS (
    SELECT CAST($unit AS VARCHAR) AS unit
),
me AS (
    SELECT u.unit_code FROM units u, p WHERE u.unit_code = p.unit OR u.name_key = vkey(p.unit)
),
back(code, year, event, share, generation) AS (
    SELECT l.old_code, l.year, l.event, l.share, 1 FROM lineage_events l JOIN me ON l.new_code = me.unit_code
    UNION ALL
    SELECT l.old_code, l.year, l.event, l.share, b.generation + 1
    FROM back b JOIN lineage_events l ON l.new_code = b.code
    WHERE b.generation < 8
),
fwd(code, year, event, share, generation) AS (
    SELECT l.new_code, l.year, l.event, l.share, 1 FROM lineage_events l JOIN me ON l.old_code = me.unit_code
    UNION ALL
    SELECT l.new_code, l.year, l.event, l.share, f.generation + 1
    FROM fwd f JOIN lineage_events l ON l.old_code = f.code
    WHERE f.generation < 8
),
both_ways AS (
    SELECT 'tien_than' AS direction, * FROM back
    UNION ALL
    SELECT 'ke_tuc', * FROM fwd
)
SELECT b.direction, min(b.generation)::INTEGER AS generation, b.year::INTEGER AS year, b.event,
       b.code AS unit_code, coalesce(u.name, b.code) AS unit, b.share,
       u.first_year::INTEGER AS first_year, u.last_year::INTEGER AS last_year
FROM both_ways b LEFT JOIN units u ON u.unit_code = b.code
WHERE b.code NOT IN (SELECT unit_code FROM me)
GROUP BY ALL
ORDER BY direction DESC, generation, year DESC, unit COLLATE vi;
