-- name: peer_summary
-- title: Một đơn vị giữa các đơn vị cùng loại (tổng hợp)
-- description: peer_distribution's rows summed up per year and level: how many peers had someone rated, the pooled
--   share of all of them, the unit's own share and its rank (1 = highest share), and the spread of the peers'
--   shares (10th, 25th, 50th, 75th, 90th percentile). A chi bộ has ~25,000 peers nationally: the page draws this
--   summary, not a point per peer.
-- over: peer_distribution
-- param: unit text required — mã hoặc tên đơn vị
-- param: subject text required — mã đối tượng
-- param: from_year int optional — từ năm
-- param: to_year int optional — đến năm
-- columns: year, level, peers, pooled_share, self_share, rank, p10, p25, p50, p75, p90
WITH rated AS (
    SELECT year, is_self, level, n, total, n / total AS share
    FROM (UNPIVOT (SELECT * FROM over WHERE total > 0) ON htxs, htt, ht, khtnv INTO NAME level VALUE n)
),
me AS (SELECT year, level, share AS self_share FROM rated WHERE is_self)
SELECT r.year::INTEGER AS year, r.level, count(*)::BIGINT AS peers, sum(r.n) / sum(r.total) AS pooled_share,
       any_value(me.self_share) AS self_share,
       CASE WHEN any_value(me.self_share) IS NOT NULL
            THEN (count(*) FILTER (WHERE r.share > me.self_share + 1e-12) + 1)::BIGINT END AS rank,
       quantile_cont(r.share, 0.1) AS p10, quantile_cont(r.share, 0.25) AS p25, quantile_cont(r.share, 0.5) AS p50,
       quantile_cont(r.share, 0.75) AS p75, quantile_cont(r.share, 0.9) AS p90
FROM rated r LEFT JOIN me ON me.year = r.year AND me.level = r.level
GROUP BY r.year, r.level
ORDER BY r.year, r.level;
