-- name: loads
-- title: Lịch sử nạp dữ liệu
-- description: Every load, newest first: file, when, rows read / loaded / rejected, status (hieu_luc in force,
--   bi_thay_the replaced by a corrected file, thay_the_mot_phan partly replaced, da_huy undone), the note (who
--   loaded or undid it) and which loads it replaced or was replaced by.
-- columns: load_id, started_at, file_name, layouts, rows_read, rows_loaded, rows_rejected, status, note, replaced,
--   replaced_by
SELECT l.load_id, l.started_at, l.file_name, l.layouts, l.rows_read, l.rows_loaded, l.rows_rejected, l.status, l.note,
       (SELECT string_agg(DISTINCT '#' || r.replaced_load_id, ', ') FROM load_replacements r
         WHERE r.load_id = l.load_id) AS replaced,
       (SELECT string_agg(DISTINCT '#' || r.load_id, ', ') FROM load_replacements r
         WHERE r.replaced_load_id = l.load_id) AS replaced_by
FROM loads l
ORDER BY l.load_id DESC;
