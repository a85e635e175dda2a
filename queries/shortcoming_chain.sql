-- name: shortcoming_chain
-- title: Các năm của một chuỗi hạn chế, khuyết điểm
-- description: The shortcomings of one chain, oldest first, to read side by side: the text, its category, the remedy
--   reported, and the link that joined it to the chain (score 0–1; basis tu_dong when the wording is similar enough,
--   xac_nhan when a person confirmed it; linked_from = the earlier shortcoming whose wording it matched best).
-- param: chain text required — mã chuỗi (chain_id)
-- columns: year, unit, text, category, remedy_status, score, basis, linked_from_year, linked_from_text, item_id,
--   linked_from, unit_code, decided_by, decided_at
WITH p AS (SELECT CAST($chain AS VARCHAR) AS chain),
dec AS (
    SELECT from_id, to_id, arg_max(decided_by, decided_at) AS decided_by, max(decided_at) AS decided_at
    FROM shortcoming_decisions GROUP BY ALL
)
SELECT i.year::INTEGER AS year, u.name AS unit, i.text, sc.name AS category, i.remedy_status, l.score, l.basis,
       f.year::INTEGER AS linked_from_year, f.text AS linked_from_text, i.item_id, l.from_id AS linked_from,
       i.unit_code, d.decided_by, d.decided_at
FROM shortcoming_chain_items c
JOIN shortcoming_items i USING (item_id)
LEFT JOIN units u ON u.unit_code = i.unit_code
LEFT JOIN shortcoming_categories sc ON sc.code = i.category
LEFT JOIN shortcoming_links l ON l.to_id = i.item_id AND l.status = 'lien_ket'
LEFT JOIN shortcoming_items f ON f.item_id = l.from_id
LEFT JOIN dec d ON d.from_id = l.from_id AND d.to_id = l.to_id, p
WHERE c.chain_id = p.chain
ORDER BY c.position;
