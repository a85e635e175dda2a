-- name: quota_audit
-- title: Bảng kiểm tra tỷ lệ HTXS dựng sẵn (mọi nhóm, mọi năm)
-- description: The whole quota audit of the years given, one row per group, year and subject — what queries/quota.sql
--   reads. Built by derive/audits.py inside every load's transaction (the years whose data changed, every year when
--   the tree changed), because at national scale computing it per request takes 10–17 s. The rule of each year
--   comes from table quota_rules (data/reference/quota_rules.csv), reloaded at every write, so the table always
--   matches the rules in the warehouse. Groups, statuses and basis: see queries/quota.sql. name_order ranks the
--   group names of a year in Vietnamese order (the page's sort, without collating strings per request).
-- param: years text required — danh sách năm cần dựng (list of INTEGER)
WITH version_of AS (    -- the version of each unit alive in each year with data
    SELECT y.year, v.* FROM (SELECT DISTINCT year FROM unit_ancestors_by_year WHERE list_contains($years, year)) y
    JOIN unit_versions v ON y.year BETWEEN coalesce(v.first_year, 0) AND coalesce(v.last_year, 9999)
),
tccsd_of AS (      -- each unit's grassroots organization that year (itself when it is one), and its parent
    SELECT a.year, a.unit_code, a.ancestor_code AS tccsd_code, g.parent_code AS tccsd_parent
    FROM unit_ancestors_by_year a JOIN version_of g ON g.unit_code = a.ancestor_code AND g.year = a.year
    WHERE g.tree_level IN ('dang_bo_co_so', 'chi_bo_co_so')
),
individual AS (
    SELECT r.year, r.subject, r.unit_code AS chi_bo_code, t.tccsd_code, t.tccsd_parent,
           r.htxs, r.htt, r.ht, r.khtnv
    FROM record_counts r LEFT JOIN tccsd_of t ON t.unit_code = r.unit_code AND t.year = r.year
    WHERE r.subject IN ('dang_vien', 'can_bo_lanh_dao') AND list_contains($years, r.year)
),
rule_scope AS (    -- units each rule covers: every unit for national rules, the scope's subtree for local ones
    SELECT q.rule_id, a.unit_code
    FROM quota_rules q JOIN units s ON s.unit_code = q.scope OR s.name_key = vkey(q.scope)
    JOIN unit_ancestors a ON a.ancestor_code = s.unit_code
    WHERE q.scope <> 'toan_quoc'
),
per_tccsd AS (      -- members and leaders summed per grassroots organization
    SELECT i.year, i.subject, i.tccsd_code, i.tccsd_parent,
           sum(i.htxs) AS htxs, sum(i.htt) AS htt, sum(i.htxs + i.htt + i.ht + i.khtnv) AS total
    FROM individual i
    WHERE i.tccsd_code IS NOT NULL
    GROUP BY ALL
),
chi_bo_rules AS (SELECT * FROM quota_rules WHERE grouping = 'chi_bo'),
collective_forms AS (   -- the forms of collective groups the rules use, and 'cap_tren' for years without a rule
    SELECT DISTINCT coalesce(collective_group, 'cap_tren') AS form FROM quota_rules WHERE grouping = 'nhom_tuong_dong'
    UNION SELECT 'cap_tren'
),
groups AS (
    -- members grouped by grassroots organization (rules 'tccsd', and 'nhom_tuong_dong' for members); leaders as
    -- individuals form one similar-role group per upper level: the leaders of the grassroots organizations it manages
    SELECT 'tccsd' AS grouping, t.year, t.subject, t.tccsd_code AS group_key, t.tccsd_code AS anchor,
           sum(t.htxs) AS htxs, sum(t.htt) AS htt, sum(t.total) AS total, 'ho_so_ca_nhan' AS basis,
           NULL::VARCHAR AS form
    FROM per_tccsd t
    GROUP BY ALL
    UNION ALL
    SELECT 'nhom_tuong_dong', t.year, t.subject,
           CASE WHEN t.subject = 'can_bo_lanh_dao' THEN coalesce(t.tccsd_parent, t.tccsd_code) ELSE t.tccsd_code END,
           CASE WHEN t.subject = 'can_bo_lanh_dao' THEN coalesce(t.tccsd_parent, t.tccsd_code) ELSE t.tccsd_code END,
           sum(t.htxs), sum(t.htt), sum(t.total), 'ho_so_ca_nhan', NULL
    FROM per_tccsd t
    GROUP BY ALL
    UNION ALL
    -- members grouped by chi bộ (local rules such as seed 001's) — only where a chi bộ rule may apply: a chi bộ
    -- group matches no other rule and is never reported as unruled, so the others would be dropped anyway
    SELECT 'chi_bo', i.year, i.subject, i.chi_bo_code, i.chi_bo_code,
           sum(i.htxs), sum(i.htt), sum(i.htxs + i.htt + i.ht + i.khtnv), 'ho_so_ca_nhan', NULL
    FROM individual i
    WHERE EXISTS (SELECT 1 FROM chi_bo_rules q WHERE i.year BETWEEN q.first_year AND q.last_year
                                                 AND (q.subject = '*' OR q.subject = i.subject))
      AND (EXISTS (SELECT 1 FROM chi_bo_rules WHERE scope = 'toan_quoc')
           OR i.chi_bo_code IN (SELECT rs.unit_code FROM rule_scope rs JOIN chi_bo_rules q USING (rule_id)))
    GROUP BY ALL
    UNION ALL
    -- collectives grouped with their peers, in each form a rule asks for (quota_rules.collective_group: data):
    -- 'cap_tren' = same parent (key parent|*|*), 'cap_tren_loai_hinh' = same parent, tree level and kind
    -- (parent|level|kind); groups of years no rule covers are shown in the form 'cap_tren'
    SELECT 'nhom_tuong_dong', c.year, c.subject,
           concat_ws('|', coalesce(u.parent_code, '-'),
                     CASE WHEN f.form = 'cap_tren_loai_hinh' THEN coalesce(u.tree_level, '-') ELSE '*' END,
                     CASE WHEN f.form = 'cap_tren_loai_hinh' THEN coalesce(u.kind, '-') ELSE '*' END),
           coalesce(u.parent_code, u.unit_code),
           count(*) FILTER (c.level = 1), count(*) FILTER (c.level = 2), count(*) FILTER (c.level IS NOT NULL),
           'ho_so_tap_the', f.form
    FROM collective_ratings c JOIN version_of u ON u.unit_code = c.unit_code AND u.year = c.year
    CROSS JOIN collective_forms f
    WHERE list_contains($years, c.year)
    GROUP BY ALL
    UNION ALL
    -- reported aggregates where no individual record covers the same unit, year and subject
    SELECT '*', a.year, a.subject, a.unit_code, a.unit_code, a.htxs, a.htt, a.total, 'so_lieu_tong_hop', NULL
    FROM aggregate_counts a
    WHERE list_contains($years, a.year) AND NOT EXISTS (
        SELECT 1 FROM unit_ancestors d JOIN record_counts r ON r.unit_code = d.unit_code
        WHERE d.ancestor_code = a.unit_code AND r.year = a.year AND r.subject = a.subject)
),
matched AS (
    SELECT g.*, q.rule_id, q.ratio, q.exception_ratio, q.certainty, q.source, q.grouping AS rule_grouping,
           q.small_htt, q.small_status,
           row_number() OVER (PARTITION BY g.grouping, g.year, g.subject, g.group_key
                              ORDER BY (q.scope = 'toan_quoc'), q.first_year DESC) AS pick
    FROM groups g JOIN quota_rules q
      ON g.year BETWEEN q.first_year AND q.last_year
     AND (q.subject = '*' OR q.subject = g.subject)
     AND (g.grouping = q.grouping OR g.grouping = '*')
     AND (g.form IS NULL OR g.form = coalesce(q.collective_group, 'cap_tren'))
    WHERE q.scope = 'toan_quoc'
       OR EXISTS (SELECT 1 FROM rule_scope rs WHERE rs.rule_id = q.rule_id AND rs.unit_code = g.anchor)
),
local_override AS (  -- a national rule does not apply where a local rule covers the same year and subject
    SELECT DISTINCT g.year, g.subject, rs.unit_code
    FROM quota_rules q JOIN rule_scope rs USING (rule_id)
    JOIN groups g ON g.anchor = rs.unit_code AND g.year BETWEEN q.first_year AND q.last_year
     AND (q.subject = '*' OR q.subject = g.subject)
),
ruled AS (
    SELECT m.* FROM matched m
    WHERE m.pick = 1
      AND NOT (m.rule_id IN (SELECT rule_id FROM quota_rules WHERE scope = 'toan_quoc')
               AND EXISTS (SELECT 1 FROM local_override o
                           WHERE o.year = m.year AND o.subject = m.subject AND o.unit_code = m.anchor))
),
unruled AS (       -- groups (in the default grouping) of years and subjects no rule covers
    SELECT g.*, NULL AS rule_id, NULL::DOUBLE AS ratio, NULL::DOUBLE AS exception_ratio, NULL AS certainty,
           NULL AS source, NULL AS rule_grouping, NULL::INTEGER AS small_htt, NULL AS small_status, 1 AS pick
    FROM groups g
    WHERE g.grouping IN ('nhom_tuong_dong', '*') AND (g.form IS NULL OR g.form = 'cap_tren')
      AND NOT EXISTS (SELECT 1 FROM ruled r WHERE r.year = g.year AND r.subject = g.subject AND r.anchor = g.anchor)
      AND NOT EXISTS (SELECT 1 FROM quota_rules q
                      WHERE g.year BETWEEN q.first_year AND q.last_year AND (q.subject = '*' OR q.subject = g.subject)
                        AND q.scope = 'toan_quoc')
      AND NOT EXISTS (SELECT 1 FROM local_override o
                      WHERE o.year = g.year AND o.subject = g.subject AND o.unit_code = g.anchor)
),
decided AS (       -- the latest decision of the competent level on each group (table quota_decisions)
    SELECT year, subject, group_key, arg_max(ratio, recorded_at) AS decision_ratio,
           arg_max(document_no, recorded_at) AS decision_doc, arg_max(decided_by, recorded_at) AS decision_by,
           arg_max(decided_on, recorded_at) AS decision_date
    FROM quota_decisions GROUP BY ALL
),
audited AS (
    -- a decision allows at most the rule's exception ceiling (none without one: no text lets anyone allow more)
    SELECT r.*, d.decision_ratio, d.decision_doc, d.decision_by, d.decision_date,
           CASE WHEN r.ratio IS NULL THEN NULL ELSE floor(r.ratio * r.htt + 1e-9)::BIGINT END AS allowed,
           CASE WHEN r.exception_ratio IS NULL THEN NULL ELSE floor(r.exception_ratio * r.htt + 1e-9)::BIGINT END
               AS exception_allowed,
           CASE WHEN r.exception_ratio IS NOT NULL AND d.decision_ratio IS NOT NULL
                THEN floor(least(d.decision_ratio, r.exception_ratio) * r.htt + 1e-9)::BIGINT END AS decision_allowed
    FROM (SELECT * FROM ruled UNION ALL BY NAME SELECT * FROM unruled) r
    LEFT JOIN decided d ON d.year = r.year AND d.subject = r.subject AND d.group_key = r.group_key
      AND r.ratio IS NOT NULL
),
labelled AS (
    SELECT a.*,
           CASE WHEN a.grouping = 'nhom_tuong_dong' AND a.basis = 'ho_so_tap_the'
                THEN concat(pu.name, ' — ', CASE WHEN split_part(a.group_key, '|', 2) = '*'
                                                 THEN 'các tổ chức trực thuộc' ELSE coalesce(tl.name, '') END,
                            CASE WHEN split_part(a.group_key, '|', 3) NOT IN ('-', '*')
                                 THEN concat(' (', split_part(a.group_key, '|', 3), ')') ELSE '' END)
                ELSE gu.name END AS group_name
    FROM audited a
    LEFT JOIN units gu ON gu.unit_code = a.anchor
    LEFT JOIN units pu ON pu.unit_code = split_part(a.group_key, '|', 1)
    LEFT JOIN tree_levels tl ON tl.code = split_part(a.group_key, '|', 2)
),
name_ranks AS (     -- each distinct name collated once: collating the rows of every year collated a name up to nine
                    -- times (3 s nationally); a year's ranks are then ranks of these integers
    SELECT group_name, dense_rank() OVER (ORDER BY group_name COLLATE vi) AS rank_all
    FROM (SELECT DISTINCT group_name FROM labelled)
),
ranked AS (SELECT l.*, n.rank_all FROM labelled l JOIN name_ranks n ON n.group_name IS NOT DISTINCT FROM l.group_name),
year_ranks AS (     -- a year's ranks among its distinct names (a window over the narrow pairs, not the wide rows)
    SELECT year, rank_all, dense_rank() OVER (PARTITION BY year ORDER BY rank_all) AS name_order
    FROM (SELECT DISTINCT year, rank_all FROM ranked)
)
SELECT l.year::INTEGER AS year, l.group_name AS unit, l.subject,
       l.htxs::BIGINT AS htxs, l.htt::BIGINT AS htt, l.total::BIGINT AS total, l.allowed,
       CASE WHEN l.allowed IS NULL THEN NULL ELSE greatest(l.htxs - l.allowed, 0)::BIGINT END AS excess,
       CASE WHEN l.htt > 0 THEN round(l.htxs / l.htt, 4) END AS share_of_htt,
       CASE WHEN l.total > 0 THEN round(l.htxs / l.total, 4) END AS share_of_total,
       l.rule_id AS rule,
       CASE WHEN l.ratio IS NULL THEN 'khong_co_quy_tac'
            WHEN l.htxs <= l.allowed THEN 'trong_gioi_han'
            WHEN l.decision_allowed IS NOT NULL AND l.htxs <= l.decision_allowed THEN 'da_cho_phep'
            WHEN l.small_status = 'nhom_nho' AND l.htt < l.small_htt THEN 'nhom_nho'
            WHEN l.certainty = 'U' THEN 'can_xem_xet'
            WHEN l.exception_allowed IS NOT NULL AND l.htxs <= l.exception_allowed THEN 'can_quyet_dinh'
            ELSE 'vuot' END AS status,
       l.basis, l.group_key, l.anchor AS unit_code, coalesce(l.rule_grouping, l.grouping) AS grouping,
       l.ratio, l.exception_ratio, l.certainty, l.source, l.form AS group_form, l.small_htt,
       l.decision_ratio, l.decision_doc, l.decision_by, l.decision_date,
       yr.name_order
FROM ranked l JOIN year_ranks yr ON yr.year = l.year AND yr.rank_all = l.rank_all;
