-- Kho dữ liệu kiểm điểm, đánh giá, xếp loại chất lượng (warehouse schema).
-- One DuckDB file. Reference tables (levels, subjects, regimes, quota rules, label variants) are loaded from
-- data/reference/*.csv at every build, so rules live as data, not in code. Data tables carry the load that wrote
-- each row (load_id) and the place it came from (source_sheet, source_row).

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,       -- 'schema_version', 'member_key_salt', 'built_at', 'demo'
    value VARCHAR
);

-- Search key of a Vietnamese name, identical to etl.normalize.search_key: "Hòa Bình" and "HOA BINH" → "hoa binh".
CREATE OR REPLACE MACRO vkey(s) AS
    trim(regexp_replace(replace(replace(strip_accents(lower(s)), 'đ', 'd'), 'ð', 'd'), '[^a-z0-9%]+', ' ', 'g'));

-- ───────────── reference data (rebuilt from data/reference at each load) ─────────────
CREATE TABLE IF NOT EXISTS levels (
    level     TINYINT PRIMARY KEY,   -- 1 = best … 4 = worst
    code      VARCHAR NOT NULL,      -- htxs, htt, ht, khtnv
    name      VARCHAR NOT NULL,      -- 'Hoàn thành xuất sắc nhiệm vụ' …
    short     VARCHAR NOT NULL       -- 'HTXSNV' …
);

CREATE TABLE IF NOT EXISTS level_labels (
    label_key VARCHAR PRIMARY KEY,   -- search key of a label variant (no diacritics, lower case, single spaces)
    level     TINYINT,               -- NULL when the label means "not rated"
    not_rated_reason VARCHAR,        -- mien | moi_ket_nap | dinh_chi | khong_xep_loai
    era       VARCHAR                -- 'tu_2018' | 'truoc_2018' | 'viet_tat'
);

CREATE TABLE IF NOT EXISTS subjects (
    code      VARCHAR PRIMARY KEY,   -- tccsd, chi_bo, cap_uy, tap_the_lanh_dao, dang_vien, can_bo_lanh_dao
    name      VARCHAR NOT NULL,
    is_individual BOOLEAN NOT NULL,
    sort_order TINYINT NOT NULL
);

CREATE TABLE IF NOT EXISTS tree_levels (
    code      VARCHAR PRIMARY KEY,   -- tinh_uy, huyen_uy, dang_bo_co_so, chi_bo_co_so, dang_bo_bo_phan, chi_bo_truc_thuoc
    name      VARCHAR NOT NULL,
    depth     TINYINT NOT NULL       -- 1 = top
);

-- Kinds of grassroots organization ("loại hình tổ chức cơ sở đảng") the central statistics forms split by
-- (data/reference/org_types.csv). A type with a parent is a part of it ("Trong đó: 100% vốn nước ngoài"), never
-- added to the total.
CREATE TABLE IF NOT EXISTS org_types (
    code      VARCHAR PRIMARY KEY,
    name      VARCHAR NOT NULL,
    parent    VARCHAR,
    sort_order TINYINT NOT NULL
);

CREATE TABLE IF NOT EXISTS regimes (
    regime     VARCHAR PRIMARY KEY,  -- '27-HD', '132/16-HD', '132/21-HD', '124/25-HD', '366/43-HD'
    first_year SMALLINT NOT NULL,
    last_year  SMALLINT NOT NULL,
    party_rule VARCHAR,              -- e.g. '132-QĐ/TW (8/3/2018)'
    guidance   VARCHAR,              -- e.g. '21-HD/BTCTW (18/10/2019)'
    level_names VARCHAR NOT NULL,    -- 'tu_2018' | 'truoc_2018'
    scoring    VARCHAR,              -- '100 điểm' | 'không chấm điểm' | '30 + 70 điểm'
    note       VARCHAR
);

CREATE TABLE IF NOT EXISTS quota_rules (
    rule_id     VARCHAR PRIMARY KEY,
    first_year  SMALLINT NOT NULL,
    last_year   SMALLINT NOT NULL,
    subject     VARCHAR NOT NULL,    -- subject code or '*' for every subject
    ratio       DOUBLE NOT NULL,     -- allowed HTXS = floor(ratio × base count)
    base        VARCHAR NOT NULL,    -- 'htt' (count rated Hoàn thành tốt) — the only base the rules use
    grouping    VARCHAR NOT NULL,    -- 'tccsd' (within each grassroots org) | 'nhom_tuong_dong' (similar-role group)
    exception_ratio DOUBLE,          -- ceiling a competent level may allow (366: 0.25), NULL when none
    scope       VARCHAR NOT NULL,    -- 'toan_quoc' | unit code of a locality whose own rule overrides
    source      VARCHAR NOT NULL,    -- document the rule rests on
    certainty   VARCHAR NOT NULL,    -- 'R' read in a source | 'I' inferred | 'U' unverified
    collective_group VARCHAR,        -- how 'nhom_tuong_dong' groups collectives: 'cap_tren' (same parent) |
                                     -- 'cap_tren_loai_hinh' (same parent, tree level and Loại hình)
    small_htt   INTEGER,             -- a group with fewer HTT than this is small (NULL: no such threshold)
    small_status VARCHAR             -- 'nhom_nho' (a small group over the ratio is to review, not a breach) |
                                     -- 'ap_dung' (the ratio applies literally)
);
-- (a warehouse made before these columns existed gets them here; the CSV reloads them at every write)
ALTER TABLE quota_rules ADD COLUMN IF NOT EXISTS collective_group VARCHAR;
ALTER TABLE quota_rules ADD COLUMN IF NOT EXISTS small_htt INTEGER;
ALTER TABLE quota_rules ADD COLUMN IF NOT EXISTS small_status VARCHAR;

-- Decisions of the competent level allowing a group more HTXS than the ratio, up to its rule's exception ceiling
-- (366-QĐ/TW: "cấp có thẩm quyền" may allow up to 25% of HTT). Written only through operations/quota_decisions.py (python -m
-- etl quyet-dinh …, the quota page's form), never by a load: they survive every reload. The latest decision on a
-- (year, subject, group_key) counts; the quota audit (queries/derived/quota_audit.sql) reads them.
CREATE TABLE IF NOT EXISTS quota_decisions (
    decision_id INTEGER PRIMARY KEY,
    year        SMALLINT NOT NULL,
    subject     VARCHAR NOT NULL,
    group_key   VARCHAR NOT NULL,    -- the audit's group (quota_audit.group_key)
    unit_code   VARCHAR NOT NULL,    -- the group's anchor unit (quota_audit.unit_code)
    ratio       DOUBLE NOT NULL,     -- the share of HTT allowed (≤ the rule's exception_ratio)
    document_no VARCHAR NOT NULL,    -- số văn bản, e.g. '125-QĐ/HU'
    decided_by  VARCHAR NOT NULL,    -- the competent body, e.g. 'Ban Thường vụ Huyện ủy'
    decided_on  DATE NOT NULL,
    recorded_by VARCHAR NOT NULL,    -- who entered it
    recorded_at TIMESTAMP NOT NULL,
    note        VARCHAR
);

-- Names a clerk taught the loader (the import page's "Ghi nhớ tên này", etl/aliases.py): a unit name as a form writes
-- it that matched no unit or two units, and the unit it means. Read by both loaders' registries; etl/unit_names.py
-- uses it before its forgiving matching. Written only through etl/aliases.py, never by a load: it survives reloads.
CREATE TABLE IF NOT EXISTS unit_aliases (
    alias_key  VARCHAR PRIMARY KEY,  -- etl.normalize.search_key of the name as written
    alias      VARCHAR,              -- the name as written (shown)
    unit_code  VARCHAR NOT NULL,
    created_at TIMESTAMP,
    created_by VARCHAR
);

CREATE TABLE IF NOT EXISTS commendation_rules (
    rule_id      VARCHAR PRIMARY KEY,
    subject      VARCHAR NOT NULL,   -- subject code or '*'
    ratio        DOUBLE,             -- commended ≤ floor(ratio × count at `base`)
    base         VARCHAR,            -- 'htxs': the organizations rated Hoàn thành xuất sắc nhiệm vụ that year
    streak_years SMALLINT,           -- for "n năm liền" lists
    source       VARCHAR NOT NULL,
    first_year   SMALLINT,           -- evaluation years the rule applies to (as quota_rules)
    last_year    SMALLINT,
    scope        VARCHAR,            -- 'toan_quoc' | code or name of the unit whose own rule it is (its subtree)
    certainty    VARCHAR             -- 'R' read in a source | 'I' inferred | 'U' unverified (a reference level only)
);
-- (a warehouse made before these columns existed gets them here; the CSV reloads them at every write)
ALTER TABLE commendation_rules ADD COLUMN IF NOT EXISTS first_year SMALLINT;
ALTER TABLE commendation_rules ADD COLUMN IF NOT EXISTS last_year SMALLINT;
ALTER TABLE commendation_rules ADD COLUMN IF NOT EXISTS scope VARCHAR;
ALTER TABLE commendation_rules ADD COLUMN IF NOT EXISTS certainty VARCHAR;

-- ───────────── organization tree ─────────────
-- Every version of every unit as the units files give it. One code may have several versions (a rename or a move to
-- a new parent keeping the code), whose [first_year, last_year] never overlap (checked at load).
CREATE TABLE IF NOT EXISTS unit_versions (
    unit_code   VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,    -- NFC, Ð→Đ, one tone convention
    name_key    VARCHAR NOT NULL,    -- search key: no diacritics, lower case, đ→d
    tree_level  VARCHAR,             -- tree_levels.code
    kind        VARCHAR,             -- Loại hình: xã/phường/thị trấn, cơ quan hành chính, … (free text, normalized)
    parent_code VARCHAR,             -- NULL for a top-level unit
    first_year  SMALLINT,            -- first evaluation year of this version (NULL = unknown / always)
    last_year   SMALLINT,            -- last evaluation year (NULL = still exists)
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER
);

-- Derived: one row per code — the latest version's name, level and parent, and the code's whole life
-- (first_year = earliest, last_year = latest or NULL while it exists). Rebuilt after each load.
CREATE TABLE IF NOT EXISTS units (
    unit_code   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    name_key    VARCHAR NOT NULL,
    tree_level  VARCHAR,
    kind        VARCHAR,
    parent_code VARCHAR,
    first_year  SMALLINT,
    last_year   SMALLINT,
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER
);

-- Derived: transitive closure of today's tree (latest versions; each unit with itself and every ancestor).
CREATE TABLE IF NOT EXISTS unit_ancestors (
    unit_code     VARCHAR NOT NULL,
    ancestor_code VARCHAR NOT NULL,
    distance      SMALLINT NOT NULL  -- 0 = the unit itself
);

-- Derived: the tree of each evaluation year ("as reported"): the versions alive that year and their ancestors.
CREATE TABLE IF NOT EXISTS unit_ancestors_by_year (
    year          SMALLINT NOT NULL,
    unit_code     VARCHAR NOT NULL,
    ancestor_code VARCHAR NOT NULL,
    distance      SMALLINT NOT NULL
);

CREATE TABLE IF NOT EXISTS lineage_events (
    year        SMALLINT NOT NULL,   -- first evaluation year of the new structure
    old_code    VARCHAR NOT NULL,
    new_code    VARCHAR NOT NULL,
    event       VARCHAR NOT NULL,    -- sap_nhap (merge) | chia_tach (split) | doi_ten (rename) | chuyen_cap_tren (move)
    share       DOUBLE,              -- for splits: share of the old unit going to the new one, when known
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER
);

-- ───────────── ratings ─────────────
CREATE TABLE IF NOT EXISTS collective_ratings (
    year        SMALLINT NOT NULL,
    unit_code   VARCHAR NOT NULL,
    subject     VARCHAR NOT NULL,    -- tccsd | chi_bo | cap_uy | tap_the_lanh_dao
    self_level  TINYINT,             -- tự xếp loại, when reported
    level       TINYINT,             -- final rating by the competent level; NULL = not rated
    label_raw   VARCHAR,             -- the label as written in the file
    score       DOUBLE,
    disciplined BOOLEAN,             -- a member of the collective or a subordinate unit was disciplined in the year
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER,
    exemplary   BOOLEAN              -- the file marks it "tiêu biểu" (a commendation, not a level: domain.md §4), in the
                                     -- label ("Trong sạch vững mạnh tiêu biểu") or the column "Tiêu biểu"; false when
                                     -- the column says no; NULL when the file says nothing
);
-- (a warehouse made before the column existed gets it here; etl/warehouse.py reads the marks back from label_raw)
ALTER TABLE collective_ratings ADD COLUMN IF NOT EXISTS exemplary BOOLEAN;

CREATE TABLE IF NOT EXISTS member_ratings (
    year        SMALLINT NOT NULL,
    member_key  VARCHAR NOT NULL,    -- pseudonymous: hash of the party-card code with this warehouse's salt
    chi_bo_code VARCHAR NOT NULL,
    level       TINYINT,             -- NULL when not rated
    not_rated_reason VARCHAR,        -- mien | moi_ket_nap | dinh_chi | khong_xep_loai
    label_raw   VARCHAR,
    disciplined BOOLEAN,
    discipline_form VARCHAR,         -- khiển trách | cảnh cáo | cách chức | khai trừ | …
    is_leader   BOOLEAN,
    led_unit_code VARCHAR,           -- the unit the person heads, when a leader
    civil_level TINYINT,             -- civil-service rating on the same 4 levels, when known
    votes_for   INTEGER,
    official_members INTEGER,
    score       DOUBLE,
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER
);

-- Personal data kept apart from the analytics tables: only roles allowed to see names read this.
-- One row per member key (the loader deletes a key's old row before inserting its new one). No PRIMARY KEY: keeping
-- an index of 6 million keys up to date cost more than the rest of a national load.
CREATE TABLE IF NOT EXISTS member_identities (
    member_key  VARCHAR NOT NULL,
    member_code VARCHAR NOT NULL,
    full_name   VARCHAR,
    load_id     INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS aggregate_counts (
    year        SMALLINT NOT NULL,
    unit_code   VARCHAR NOT NULL,    -- the reporting unit; counts cover its subtree
    subject     VARCHAR NOT NULL,
    htxs        INTEGER NOT NULL,
    htt         INTEGER NOT NULL,
    ht          INTEGER NOT NULL,
    khtnv       INTEGER NOT NULL,
    total       INTEGER NOT NULL,    -- rated total (= htxs + htt + ht + khtnv, checked at load)
    not_rated   INTEGER,             -- reviewed but not rated, when reported
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER              -- for report tables: the row of the years; source_col names the year column
);

-- The same counts split by kind of grassroots organization, as the central statistics forms Biểu số 7A/7B-TCTW give
-- them (etl/profile_indicators.py). The unit's totals are its aggregate_counts row (the form's "Tổng số" column);
-- the top-level types add up to it (checked at load); a type with a parent in org_types is inside that parent.
CREATE TABLE IF NOT EXISTS aggregate_counts_by_type (
    year        SMALLINT NOT NULL,
    unit_code   VARCHAR NOT NULL,
    subject     VARCHAR NOT NULL,
    org_type    VARCHAR NOT NULL,    -- org_types.code
    htxs        INTEGER NOT NULL,
    htt         INTEGER NOT NULL,
    ht          INTEGER NOT NULL,
    khtnv       INTEGER NOT NULL,
    total       INTEGER NOT NULL,    -- rated (= htxs + htt + ht + khtnv, checked at load)
    not_rated   INTEGER,
    exemplary   INTEGER,             -- "Trong đó: … tiêu biểu": inside htxs, a commendation, not a level
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER
);

CREATE TABLE IF NOT EXISTS shortcomings (
    year        SMALLINT NOT NULL,
    unit_code   VARCHAR NOT NULL,
    subject     VARCHAR,
    text_raw    VARCHAR NOT NULL,
    text_norm   VARCHAR NOT NULL,    -- NFC, one tone convention, single spaces
    category    VARCHAR,             -- as given in the file (Nhóm); classified later when empty
    remedy_status VARCHAR,           -- da_khac_phuc | dang_khac_phuc | chua_khac_phuc | NULL
    remedy_raw  VARCHAR,
    source      VARCHAR,
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER
);

CREATE TABLE IF NOT EXISTS review_suggestions (
    year        SMALLINT NOT NULL,
    unit_code   VARCHAR NOT NULL,
    text_raw    VARCHAR NOT NULL,
    text_norm   VARCHAR NOT NULL,
    load_id     INTEGER NOT NULL,
    source_sheet VARCHAR,
    source_row  INTEGER
);

-- ───────────── provenance ─────────────
CREATE TABLE IF NOT EXISTS loads (
    load_id     INTEGER PRIMARY KEY,
    file_name   VARCHAR NOT NULL,
    file_path   VARCHAR,
    checksum    VARCHAR NOT NULL,    -- sha256 of the file's bytes
    layouts     VARCHAR,             -- layouts found, e.g. 'member_ratings' or 'report_table×4'
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    rows_read   INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    status      VARCHAR NOT NULL,    -- hieu_luc (in force) | bi_thay_the (replaced) | thay_the_mot_phan | da_huy (undone)
    note        VARCHAR
);

-- Which load replaced which rows (a corrected file for the same unit and year).
CREATE TABLE IF NOT EXISTS load_replacements (
    load_id     INTEGER NOT NULL,    -- the new load
    replaced_load_id INTEGER NOT NULL,
    target      VARCHAR NOT NULL,    -- table name
    unit_code   VARCHAR,
    year        SMALLINT,
    subject     VARCHAR,
    rows_replaced INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS rejected_rows (
    load_id     INTEGER NOT NULL,
    file_name   VARCHAR NOT NULL,
    sheet       VARCHAR,
    row_no      INTEGER,             -- 1-based row as Excel shows it (0 when the whole file is refused)
    column_name VARCHAR,
    value       VARCHAR,
    reason      VARCHAR NOT NULL,    -- Vietnamese, for a clerk
    raw         VARCHAR              -- the whole row as JSON
);

-- ───────────── derived (rebuilt at each load, never edited) ─────────────
-- Rating counts per rated unit, year and subject from individual records (members counted at their chi bộ,
-- collectives at themselves), ready to be summed over a subtree.
CREATE TABLE IF NOT EXISTS record_counts (
    year        SMALLINT NOT NULL,
    unit_code   VARCHAR NOT NULL,
    subject     VARCHAR NOT NULL,
    htxs        INTEGER NOT NULL,
    htt         INTEGER NOT NULL,
    ht          INTEGER NOT NULL,
    khtnv       INTEGER NOT NULL,
    not_rated   INTEGER NOT NULL
);

-- Derived: record_counts summed over each unit's subordinates (distance ≥ 1) in the tree of each year — a unit's own
-- records stay in record_counts. queries/distribution.sql reads these two instead of walking the tree of every year
-- for every request (at national scale: 430 thousand rows instead of joining 7.6 and 9.5 million).
CREATE TABLE IF NOT EXISTS subtree_counts (
    year        SMALLINT NOT NULL,
    unit_code   VARCHAR NOT NULL,    -- the ancestor
    subject     VARCHAR NOT NULL,
    htxs        BIGINT NOT NULL,
    htt         BIGINT NOT NULL,
    ht          BIGINT NOT NULL,
    khtnv       BIGINT NOT NULL,
    not_rated   BIGINT NOT NULL
);

-- Derived: the units that have direct subordinates in the tree of a year (a drill-down can open them that year).
CREATE TABLE IF NOT EXISTS unit_children (
    year        SMALLINT NOT NULL,
    unit_code   VARCHAR NOT NULL
);

-- Derived: the whole quota audit (queries/derived/quota_audit.sql, built by derive/audits.py), one row per group,
-- year and subject; queries/quota.sql filters and orders it. Columns as that query's, plus name_order (rank of the
-- group's name in Vietnamese order within the year) and sort_order (queries/derived/quota_audit_order.sql).
CREATE TABLE IF NOT EXISTS quota_audit (
    year            INTEGER NOT NULL,
    unit            VARCHAR,
    subject         VARCHAR NOT NULL,
    htxs            BIGINT,
    htt             BIGINT,
    total           BIGINT,
    allowed         BIGINT,
    excess          BIGINT,
    share_of_htt    DOUBLE,
    share_of_total  DOUBLE,
    rule            VARCHAR,
    status          VARCHAR NOT NULL,
    basis           VARCHAR NOT NULL,
    group_key       VARCHAR,
    unit_code       VARCHAR,          -- the group's anchor unit (scope filters on it)
    "grouping"      VARCHAR,
    ratio           DOUBLE,
    exception_ratio DOUBLE,
    certainty       VARCHAR,
    source          VARCHAR,
    name_order      BIGINT NOT NULL,
    sort_order      BIGINT,           -- position in queries/quota.sql's order; rows are stored in it
    group_form      VARCHAR,          -- collectives: how the group was formed (quota_rules.collective_group)
    small_htt       INTEGER,          -- the rule's small-group threshold
    decision_ratio  DOUBLE,           -- the competent level's decision on the group (quota_decisions), if any
    decision_doc    VARCHAR,
    decision_by     VARCHAR,
    decision_date   DATE
);
ALTER TABLE quota_audit ADD COLUMN IF NOT EXISTS group_form VARCHAR;
ALTER TABLE quota_audit ADD COLUMN IF NOT EXISTS small_htt INTEGER;
ALTER TABLE quota_audit ADD COLUMN IF NOT EXISTS decision_ratio DOUBLE;
ALTER TABLE quota_audit ADD COLUMN IF NOT EXISTS decision_doc VARCHAR;
ALTER TABLE quota_audit ADD COLUMN IF NOT EXISTS decision_by VARCHAR;
ALTER TABLE quota_audit ADD COLUMN IF NOT EXISTS decision_date DATE;

-- Derived: every finding of the inspection catalog (queries/rules/*.sql) over every year, built by derive/audits.py
-- with the thresholds of data/reference/inspection_config.csv; meta 'findings_fingerprint' names the rule files and
-- thresholds it was built with (queries/composite.py computes live when they no longer match). reads_members: the
-- rule reads member-level rows (hidden from roles that may not see them, as those rows are).
CREATE TABLE IF NOT EXISTS inspection_findings (
    rule          VARCHAR NOT NULL,
    severity      VARCHAR NOT NULL,
    year          INTEGER,
    unit_code     VARCHAR,
    subject       VARCHAR,
    subject_key   VARCHAR,
    detail        VARCHAR,
    basis         VARCHAR,
    load_id       INTEGER,
    source_sheet  VARCHAR,
    source_row    INTEGER,
    title         VARCHAR,
    document      VARCHAR,
    reads_members BOOLEAN NOT NULL,
    seq           INTEGER NOT NULL    -- order of the row among its rule's findings of that year
);

-- Derived: members rated HTXS in each of the n years ending at `year` (n: commendation rule 'nam_nam_lien'), with
-- the chi bộ of their last year — queries/derived/member_streaks.sql, built by derive/audits.py.
CREATE TABLE IF NOT EXISTS member_streaks (
    year          INTEGER NOT NULL,    -- the last year of the streak
    member_key    VARCHAR NOT NULL,
    chi_bo_code   VARCHAR NOT NULL,
    first_year    INTEGER NOT NULL,
    last_year     INTEGER NOT NULL,
    years         INTEGER NOT NULL
);

-- Derived: the organization tree as the pages list it (queries/derived/unit_tree.sql, built by derive/audits.py):
-- each unit with its depth, path and counts, and tree_order, its place in tree order. queries/units_tree.sql reads it;
-- in a restricted connection (queries/scope.py) the same statement runs over the user's part of the tree instead.
CREATE TABLE IF NOT EXISTS unit_tree (
    unit_code       VARCHAR NOT NULL,
    name            VARCHAR,
    name_key        VARCHAR,
    depth           INTEGER,
    tree_level      VARCHAR,
    tree_level_name VARCHAR,
    kind            VARCHAR,
    parent_code     VARCHAR,
    parent_name     VARCHAR,
    first_year      INTEGER,
    last_year       INTEGER,
    children        INTEGER,
    descendants     INTEGER,
    path            VARCHAR,
    tree_order      BIGINT NOT NULL,
    name_order      BIGINT            -- rank of the name in Vietnamese order (equal names, equal rank)
);

-- Derived: queries/distribution.sql's rows in today's structure of the latest year (s_year) for every top-level unit
-- and its direct subordinates, every year and subject — built by derive/audits.py with that query itself (tops =
-- true), read by it for those units (mapping every year onto today's units took ~2.5 s per request nationally).
CREATE TABLE IF NOT EXISTS today_counts (
    s_year      INTEGER NOT NULL,
    year        INTEGER NOT NULL,
    unit_code   VARCHAR NOT NULL,
    subject     VARCHAR NOT NULL,
    htxs        BIGINT,
    htt         BIGINT,
    ht          BIGINT,
    khtnv       BIGINT,
    total       BIGINT,
    not_rated   BIGINT,
    basis       VARCHAR,
    note        VARCHAR
);

-- Derived: every chain of recurring shortcomings over the whole range of years, as queries/recurring_shortcomings.sql
-- computes it (built by derive/audits.py with that query itself, min_years = 1; the query reads it when asked for
-- the whole range). latest_status is the code (da_khac_phuc …), texts the wording of each year.
CREATE TABLE IF NOT EXISTS chain_summary (
    chain_id            VARCHAR NOT NULL,
    unit_code           VARCHAR,
    category_code       VARCHAR,
    first_year          INTEGER,
    last_year           INTEGER,
    years               INTEGER,
    latest_status       VARCHAR,
    fixed_then_recurred INTEGER,
    confirmed_links     INTEGER,
    texts               VARCHAR
);

-- ───────────── recurring shortcomings (analysis/shortcomings.py) ─────────────
-- Derived from shortcomings and review_suggestions by analysis.shortcomings.rebuild (called by rebuild_derived);
-- recomputed only when those rows, the taxonomy or the matcher change. Items are keyed by unit, year and a hash of
-- the text's matching key (no diacritics, lower case), so the keys survive reloading the same files.
CREATE TABLE IF NOT EXISTS shortcoming_categories (
    code        VARCHAR PRIMARY KEY,  -- data/reference/shortcoming_categories.csv
    name        VARCHAR NOT NULL,
    sort_order  SMALLINT NOT NULL
);

CREATE TABLE IF NOT EXISTS shortcoming_items (
    item_id     VARCHAR PRIMARY KEY,  -- unit_code|year|text_hash
    unit_code   VARCHAR NOT NULL,
    year        SMALLINT NOT NULL,
    text_hash   VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,     -- text_norm of the first row with this key
    subjects    VARCHAR,              -- subject codes of the rows, comma-separated
    category    VARCHAR NOT NULL,     -- the file's Nhóm when recognised, else the classifier's; 'khac' when unsure
    category_source VARCHAR NOT NULL, -- tep (from the file) | tu_dong (classifier) | khong_ro (classifier unsure)
    category_auto VARCHAR NOT NULL,   -- what the classifier says, even when the file gave a group
    category_score DOUBLE,
    category_given VARCHAR,           -- the Nhóm as written in the file
    remedy_status VARCHAR,            -- least remedied among the rows: chua_khac_phuc > dang_khac_phuc > da_khac_phuc
    n_rows      INTEGER NOT NULL
);

-- Every pair of shortcomings of one unit (or of a unit and its predecessor) within a few years whose similarity
-- reaches the review threshold, and what became of it.
CREATE TABLE IF NOT EXISTS shortcoming_links (
    from_id     VARCHAR NOT NULL,     -- the earlier item
    to_id       VARCHAR NOT NULL,     -- the later item
    unit_code   VARCHAR NOT NULL,     -- unit of the later item
    year_from   SMALLINT NOT NULL,
    year_to     SMALLINT NOT NULL,
    score       DOUBLE NOT NULL,      -- 0–1
    status      VARCHAR NOT NULL,     -- lien_ket (linked) | cho_xem_xet (review queue) | bac_bo (rejected by a person)
                                      -- | khong_dung (an end already linked to a better match)
    basis       VARCHAR               -- tu_dong (score ≥ automatic threshold) | xac_nhan (confirmed by a person)
);

-- Each item's chain: the chain_id is the item_id of its first shortcoming; singletons are chains of length 1.
CREATE TABLE IF NOT EXISTS shortcoming_chain_items (
    item_id      VARCHAR PRIMARY KEY,
    chain_id     VARCHAR NOT NULL,
    position     SMALLINT NOT NULL,   -- 0 = first year
    chain_length SMALLINT NOT NULL
);

-- What each review suggestion was about and whether the topic came back as a shortcoming.
CREATE TABLE IF NOT EXISTS suggestion_followups (
    unit_code   VARCHAR NOT NULL,
    year        SMALLINT NOT NULL,
    text        VARCHAR NOT NULL,
    category    VARCHAR NOT NULL,
    same_year_item VARCHAR,           -- the best-matching shortcoming of the same year, when any
    same_year_score DOUBLE,
    later_item  VARCHAR,              -- the first later shortcoming on the same matter, when any
    later_year  SMALLINT,
    later_score DOUBLE,
    later_basis VARCHAR               -- noi_dung (text matches) | cung_nhom (same category only)
);

-- A person's decisions on pairs of shortcomings: never derived, never deleted by a load. The latest decision per
-- pair counts. Keyed by the items' stable ids, so a decision survives reloading the same files.
CREATE TABLE IF NOT EXISTS shortcoming_decisions (
    from_id     VARCHAR NOT NULL,
    to_id       VARCHAR NOT NULL,
    decision    VARCHAR NOT NULL,     -- cung_han_che (the same shortcoming) | khac_han_che (different ones)
    decided_by  VARCHAR NOT NULL,     -- user name; 'ẩn danh' when unknown
    decided_at  TIMESTAMP NOT NULL,
    text_from   VARCHAR,              -- the texts as the person saw them
    text_to     VARCHAR,
    note        VARCHAR
);
