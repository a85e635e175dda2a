-- view: rejected_rows, for a reader who may read the loads' rejected rows but not members' names (queries/scope.py:
--   the admin and the data operator). Same columns as the table: load_id, file_name, sheet, row_no, column_name,
--   value, reason, raw.
-- A rejected row of members (its load read a members' sheet, or its line holds a member code or a name column):
--   raw    keeps only the columns of the members' template that say nothing about the person (_reject_keep: year,
--          chi bộ, level, votes …); the member's code, name, discipline and every other column are left out (in a file
--          that mixes members with other sheets, those sheets' rows too: fail closed);
--   value  NULL unless its column is one of those kept;
--   reason the member's code and name (the values of the _reject_ids columns of its line) replaced by "[đã ẩn]".
-- Every other rejected row (units, collective ratings, counts, report tables) as stored.
-- Tables made by scope.connect: _reject_keep(key), _reject_ids(key) — search keys (vkey) of column headers.
SELECT t.load_id, t.file_name, t.sheet, t.row_no, t.column_name,
       CASE WHEN NOT p.personal OR vkey(t.column_name) IN (SELECT key FROM _reject_keep) THEN t.value END AS value,
       CASE WHEN p.personal
            THEN list_reduce(list_prepend(t.reason, coalesce(p.ids, [])),
                             lambda acc, v: regexp_replace(acc, '(^|[^\pL\pN])' || regexp_escape(v) || '([^\pL\pN]|$)',
                                                           '\1[đã ẩn]\2', 'g'))
            ELSE t.reason END AS reason,
       CASE WHEN p.personal THEN p.kept ELSE t.raw END AS raw
FROM w.main.rejected_rows t
CROSS JOIN LATERAL (
    SELECT coalesce(bool_or(vkey(k) IN (SELECT key FROM _reject_ids)), false)
               OR t.load_id IN (SELECT load_id FROM w.main.loads WHERE layouts LIKE '%member_ratings%') AS personal,
           CASE WHEN count(k) > 0 THEN coalesce(to_json(map_from_entries(
               list({'key': k, 'value': t.raw ->> k}) FILTER (WHERE vkey(k) IN (SELECT key FROM _reject_keep)))),
                                                '{}')::VARCHAR
           END AS kept,
           list(trim(t.raw ->> k)) FILTER (WHERE vkey(k) IN (SELECT key FROM _reject_ids)
                                           AND trim(t.raw ->> k) <> '') AS ids
    FROM (SELECT unnest(json_keys(t.raw)) AS k WHERE json_valid(t.raw))
) p
