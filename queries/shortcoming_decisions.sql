-- name: shortcoming_decisions
-- title: Quyết định của người xem xét về các cặp hạn chế
-- description: Every decision a person recorded on a pair of shortcomings (cung_han_che = the same shortcoming,
--   khac_han_che = different ones), newest first, with who and when; current is true for the latest decision of each
--   pair (the one that counts).
-- param: unit text optional — mã hoặc tên đơn vị (đơn vị của năm sau)
-- columns: decided_at, decided_by, decision, year_from, text_from, year_to, text_to, unit_code, current, from_id,
--   to_id, note
WITH p AS (SELECT CAST($unit AS VARCHAR) AS unit)
SELECT d.decided_at, d.decided_by, d.decision,
       TRY_CAST(split_part(d.from_id, '|', 2) AS INTEGER) AS year_from, d.text_from,
       TRY_CAST(split_part(d.to_id, '|', 2) AS INTEGER) AS year_to, d.text_to,
       split_part(d.to_id, '|', 1) AS unit_code,
       (d.decided_at = max(d.decided_at) OVER (PARTITION BY d.from_id, d.to_id)) AS current, d.from_id, d.to_id, d.note
FROM shortcoming_decisions d, p
WHERE p.unit IS NULL OR split_part(d.to_id, '|', 1) = p.unit
   OR split_part(d.to_id, '|', 1) IN (SELECT unit_code FROM units WHERE name_key = vkey(p.unit))
ORDER BY d.decided_at DESC, d.to_id, d.from_id;
