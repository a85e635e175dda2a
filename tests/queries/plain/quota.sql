-- name: quota
-- title: Kiểm tra tỷ lệ "Hoàn thành xuất sắc nhiệm vụ" theo quy định từng năm
-- description: One row per group, year and subject. The rule of each year comes from table quota_rules (data,
--   data/reference/quota_rules.csv); a local rule (scope = a unit) replaces the national ones in that unit's
--   subtree. Groups: 'tccsd' = the members of each grassroots organization; 'chi_bo' = the members of each chi bộ;
--   'nhom_tuong_dong' = for collectives, the form the rule names in quota_rules.collective_group (data): 'cap_tren'
--   = same parent (the default), 'cap_tren_loai_hinh' = same parent, tree level and Loại hình (group_form); for
--   members the grassroots organization; for leaders as individuals, the leaders of the grassroots organizations
--   under one upper level. Allowed = floor(ratio × HTT); status trong_gioi_han | da_cho_phep (over the ratio, within
--   what a decision of the competent level allowed: table quota_decisions, decision_* columns) | nhom_nho (over the
--   ratio in a group with fewer HTT than the rule's small_htt, when its small_status is 'nhom_nho': to review, not a
--   breach) | can_quyet_dinh (between the ratio and the exception ceiling) | vuot | can_xem_xet (over a rule marked
--   unverified) | khong_co_quy_tac. Counts that rest only on reported aggregates have basis 'so_lieu_tong_hop': an
--   aggregate over the limit proves only that at least one group inside exceeded it, not that the unit did.
-- param: year int optional — năm đánh giá
-- param: unit text optional — tên hoặc mã đơn vị: chỉ các nhóm thuộc đơn vị này
-- param: subject text optional — mã đối tượng
-- columns: year, unit, subject, htxs, htt, total, allowed, excess, share_of_htt, share_of_total, rule, status, basis,
--   group_key, unit_code, grouping, ratio, exception_ratio, certainty, source, group_form, small_htt, decision_ratio,
--   decision_doc, decision_by, decision_date
WITH p AS (
    SELECT CAST($year AS INTEGER) AS year, CAST($unit AS VARCHAR) AS unit, CAST($subject AS VARCHAR) AS subject
),
scope_units AS (   -- the subtree a unit filter selects, in the tree of each year
    SELECT a.year, a.unit_code
    FROM unit_ancestors_by_year a JOIN units u ON u.unit_code = a.ancestor_code, p
    WHERE p.unit IS NOT NULL AND (u.unit_code = p.unit OR u.name_key = vkey(p.unit))
),
version_of AS (    -- the version of each unit alive in each year with data
    SELECT y.year, v.* FROM (SELECT DISTINCT year FROM unit_ancestors_by_year) y
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
    WHERE r.subject IN ('dang_vien', 'can_bo_lanh_dao')
),
groups AS (
    -- members grouped by grassroots organization (rules 'tccsd', and 'nhom_tuong_dong' for members); leaders as
    -- individuals form one similar-role group per upper level: the leaders of the grassroots organizations it manages
    SELECT gr.grouping, i.year, i.subject,
           CASE WHEN gr.grouping = 'nhom_tuong_dong' AND i.subject = 'can_bo_lanh_dao'
                THEN coalesce(i.tccsd_parent, i.tccsd_code) ELSE i.tccsd_code END AS group_key,
           CASE WHEN gr.grouping = 'nhom_tuong_dong' AND i.subject = 'can_bo_lanh_dao'
                THEN coalesce(i.tccsd_parent, i.tccsd_code) ELSE i.tccsd_code END AS anchor,
           sum(i.htxs) AS htxs, sum(i.htt) AS htt, sum(i.htxs + i.htt + i.ht + i.khtnv) AS total,
           'ho_so_ca_nhan' AS basis, NULL::VARCHAR AS form
    FROM individual i, (VALUES ('tccsd'), ('nhom_tuong_dong')) gr(grouping)
    WHERE i.tccsd_code IS NOT NULL
    GROUP BY ALL
    UNION ALL
    -- members grouped by chi bộ (local rules such as seed 001's)
    SELECT 'chi_bo', i.year, i.subject, i.chi_bo_code, i.chi_bo_code,
           sum(i.htxs), sum(i.htt), sum(i.htxs + i.htt + i.ht + i.khtnv), 'ho_so_ca_nhan', NULL
    FROM individual i GROUP BY ALL
    UNION ALL
    -- collectives grouped with their peers in each form: 'cap_tren' (parent|*|*), 'cap_tren_loai_hinh'
    SELECT 'nhom_tuong_dong', c.year, c.subject,
           concat_ws('|', coalesce(u.parent_code, '-'),
                     CASE WHEN f.form = 'cap_tren_loai_hinh' THEN coalesce(u.tree_level, '-') ELSE '*' END,
                     CASE WHEN f.form = 'cap_tren_loai_hinh' THEN coalesce(u.kind, '-') ELSE '*' END),
           coalesce(u.parent_code, u.unit_code),
           count(*) FILTER (c.level = 1), count(*) FILTER (c.level = 2), count(*) FILTER (c.level IS NOT NULL),
           'ho_so_tap_the', f.form
    FROM collective_ratings c JOIN version_of u ON u.unit_code = c.unit_code AND u.year = c.year
    CROSS JOIN (VALUES ('cap_tren'), ('cap_tren_loai_hinh')) f(form)
    GROUP BY ALL
    UNION ALL
    -- reported aggregates where no individual record covers the same unit, year and subject
    SELECT '*', a.year, a.subject, a.unit_code, a.unit_code, a.htxs, a.htt, a.total, 'so_lieu_tong_hop', NULL
    FROM aggregate_counts a
    WHERE NOT EXISTS (
        SELECT 1 FROM unit_ancestors d JOIN record_counts r ON r.unit_code = d.unit_code
        WHERE d.ancestor_code = a.unit_code AND r.year = a.year AND r.subject = a.subject)
),
rule_scope AS (    -- units each rule covers: every unit for national rules, the scope's subtree for local ones
    SELECT q.rule_id, a.unit_code
    FROM quota_rules q JOIN units s ON s.unit_code = q.scope OR s.name_key = vkey(q.scope)
    JOIN unit_ancestors a ON a.ancestor_code = s.unit_code
    WHERE q.scope <> 'toan_quoc'
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
decided AS (
    SELECT year, subject, group_key, arg_max(ratio, recorded_at) AS decision_ratio,
           arg_max(document_no, recorded_at) AS decision_doc, arg_max(decided_by, recorded_at) AS decision_by,
           arg_max(decided_on, recorded_at) AS decision_date
    FROM quota_decisions GROUP BY ALL
),
audited AS (
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
       l.decision_ratio, l.decision_doc, l.decision_by, l.decision_date
FROM labelled l, p
WHERE (p.year IS NULL OR l.year = p.year)
  AND (p.subject IS NULL OR l.subject = p.subject)
  AND (p.unit IS NULL OR EXISTS (SELECT 1 FROM scope_units su WHERE su.unit_code = l.anchor AND su.year = l.year))
ORDER BY l.year DESC, excess DESC NULLS LAST, l.group_name COLLATE vi, l.subject;
