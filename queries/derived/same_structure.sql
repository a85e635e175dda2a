-- name: same_structure
-- title: Cơ cấu tổ chức của hai năm có như nhau không
-- description: Whether the organization tree and the lineage that today's structure maps through are the same in
--   year $a and year $b: no unit version begins or ends between them (so the same units are alive, under the same
--   parents) and no lineage event falls between them (events up to the structure year are followed). Then the rows
--   of today_counts for a year of data are the same whichever of the two years is the structure year, and
--   derive/audits.py keeps them when the latest year moves from one to the other (a new year of ratings).
-- param: a int required — năm thứ nhất
-- param: b int required — năm thứ hai
SELECT NOT EXISTS (
           SELECT 1 FROM unit_versions
           WHERE coalesce(first_year, 0) > least($a, $b) AND coalesce(first_year, 0) <= greatest($a, $b)
              OR coalesce(last_year, 9999) + 1 > least($a, $b) AND coalesce(last_year, 9999) + 1 <= greatest($a, $b))
       AND NOT EXISTS (
           SELECT 1 FROM lineage_events WHERE year > least($a, $b) AND year <= greatest($a, $b)) AS same
