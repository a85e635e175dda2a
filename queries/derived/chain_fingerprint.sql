-- name: chain_fingerprint
-- title: Dấu vân tay của các chuỗi hạn chế
-- description: What table chain_summary is computed from (queries/recurring_shortcomings.sql over every year): the
--   shortcomings, their chains and the links between them, hashed; derive/audits.py rebuilds chain_summary when it
--   changes (a load, a person's decision on a pair).
SELECT (SELECT count(*) || ':' || coalesce(sum(hash(item_id, unit_code, year, text, subjects, category,
                                                    remedy_status)), 0)
        FROM shortcoming_items)
    || '|' || (SELECT count(*) || ':' || coalesce(sum(hash(item_id, chain_id)), 0) FROM shortcoming_chain_items)
    || '|' || (SELECT count(*) || ':' || coalesce(sum(hash(from_id, to_id, status, basis)), 0) FROM shortcoming_links)
