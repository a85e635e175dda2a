"""Illustrative national data ("dữ liệu minh họa", not real figures): the whole country at the size the central
Organization Board would hold, written as Parquet files in the import templates' layout and loaded through the same
validating loader as every other file (`python -m etl demo --scale national`).

Shape (scale "national"): 34 provinces, ~700 districts (dissolved at the end of 2024), ~55,000 grassroots
organizations (communes, agencies' đảng bộ cơ sở, chi bộ cơ sở), ~290,000 chi bộ holding ~6 million members, nine
evaluation years 2017–2025: ~54 million member ratings, ~3.3 million collective ratings, ~250,000 shortcomings. In
2025 communes merge by three (lineage events "Sáp nhập") and every grassroots organization moves under its province
(a new version of the same code). Scale "mini" is the same generator in miniature, for the benchmark's smoke test.

Everything is computed in DuckDB from hashes of (seed, purpose, id, year): the same seed gives the same rows, the
files are written one per province and year (members) or one per year (collectives, shortcomings, suggestions), each
sorted by unit so that the warehouse stores a unit's rows together.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from commands.progress import Progress
from etl import warehouse
from generators import demo as d
from operations.load import load_files

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "data" / "national"
NOTE = "Dữ liệu minh họa quy mô toàn quốc (tạo ngẫu nhiên, không phải số liệu thật)"
YEARS = list(range(2017, 2026))
REORG_YEAR = 2025


@dataclass(frozen=True)
class NationalScale:
    provinces: int
    districts: tuple[int, int]        # per province
    communes: tuple[int, int]         # per district
    other_dbcs: tuple[int, int]       # đảng bộ cơ sở of agencies, armed forces, firms (per district)
    cbcs: tuple[int, int]             # chi bộ cơ sở per district
    commune_cells: tuple[int, int]    # chi bộ trực thuộc per commune
    dbcs_cells: tuple[int, int]       # chi bộ trực thuộc per other đảng bộ cơ sở
    village_size: tuple[int, int]     # members of a village chi bộ
    agency_size: tuple[int, int]      # members of other chi bộ


SCALES = {
    "national": NationalScale(34, (14, 27), (12, 16), (8, 12), (48, 60), (12, 20), (10, 16), (18, 36), (6, 22)),
    "mini": NationalScale(2, (2, 2), (3, 3), (1, 1), (2, 2), (3, 4), (2, 3), (6, 10), (3, 6)),
}

PLACE_A = ["Minh", "Tân", "Phú", "Hòa", "Bình", "An", "Thạnh", "Đức", "Vĩnh", "Quảng", "Xuân", "Hưng", "Long",
           "Phước", "Thanh", "Hải", "Sơn", "Lâm", "Tiến", "Đông", "Gia", "Lộc", "Thuận", "Hiệp", "Trường", "Kim",
           "Nghĩa", "Thái", "Yên", "Cẩm"]
PLACE_B = ["Sơn", "Hòa", "Lạc", "Phong", "Thành", "Lợi", "Điền", "Bình", "Hưng", "Phát", "Thịnh", "Tiến", "Xuyên",
           "Giang", "Lâm", "Hà", "Mỹ", "Định", "Khánh", "Ninh", "Trung", "Nguyên", "Đông", "Tây", "Nam", "Bắc",
           "Châu", "Quang", "Thủy", "An"]
AGENCY_KINDS = [d.CQHC, d.CQHC, d.LLVT, d.LLVT, d.DVSN, d.DVSN, d.DVSN, d.DVSN]   # AGENCY_CELLS' kinds, in order
OTHER_DBCS = [("Đảng bộ Quân sự huyện {d}", d.LLVT), ("Đảng bộ Công an huyện {d}", d.LLVT),
              ("Đảng bộ Trung tâm Y tế huyện {d}", d.DVSN), ("Đảng bộ Khối Giáo dục huyện {d}", d.DVSN),
              ("Đảng bộ Cơ quan chính quyền huyện {d}", d.CQHC), ("Đảng bộ Cơ quan Đảng huyện {d}", d.CQHC),
              ("Đảng bộ Điện lực {d}", d.DNNN), ("Đảng bộ Công ty Lâm nghiệp {d}", d.DNNN),
              ("Đảng bộ Khối Doanh nghiệp huyện {d}", d.DNCP), ("Đảng bộ Ngân hàng huyện {d}", d.DNNN),
              ("Đảng bộ Trường THPT {d}", d.DVSN), ("Đảng bộ Ban Quản lý dự án huyện {d}", d.CQHC)]
CBCS_NAMES = [n for n in d.OFFICES] + [s.replace(" {d}", "").replace("{c1}", "số 2").replace("{c2}", "số 3")
                                       .replace("{c3}", "phòng hộ") for s in d.SERVICES]
CBCS_KINDS = [d.CQHC] * len(d.OFFICES) + [d.DVSN] * len(d.SERVICES)
MEMBER_LABELS_OLD = [d.OLD_MEMBER[i] for i in (1, 2, 3, 4)]
MEMBER_LABELS_NEW = [d.LEVEL_NAME[i] for i in (1, 2, 3, 4)]
ORG_LABELS_OLD = [d.OLD_ORG[i] for i in (1, 2, 3, 4)]
SHORT_TYPES = list(d.SHORTCOMINGS)

# Expanded weight tables so that a uniform index picks with the demo's weights.
SURNAME_POOL = [s for s, w in zip(d.SURNAMES, d.SURNAME_WEIGHTS) for _ in range(w)]


def _vocab(con: duckdb.DuckDBPyConnection) -> None:
    """Word lists as constant macros v_NAME() (fixed vocabulary from the code, never user input)."""
    lists = {
        "surnames": SURNAME_POOL, "male_mid": d.MALE_MIDDLE, "female_mid": d.FEMALE_MIDDLE,
        "male_given": d.MALE_GIVEN, "female_given": d.FEMALE_GIVEN, "place_a": PLACE_A, "place_b": PLACE_B,
        "villages": d.VILLAGES, "agency_cells": [n for n, _, _ in d.AGENCY_CELLS], "agency_kinds": AGENCY_KINDS,
        "dbcs_names": [n for n, _ in OTHER_DBCS], "dbcs_kinds": [k for _, k in OTHER_DBCS],
        "cbcs_names": CBCS_NAMES, "cbcs_kinds": CBCS_KINDS, "armed_cells": d.ARMED[0][2] + d.ARMED[1][2],
        "m_old": MEMBER_LABELS_OLD, "m_new": MEMBER_LABELS_NEW, "o_old": ORG_LABELS_OLD,
        "abbr": [d.ABBR[i][0] for i in (1, 2, 3, 4)], "abbr2": [d.ABBR[i][-1] for i in (1, 2, 3, 4)],
        "short_types": SHORT_TYPES, "short_cats": [d.SHORTCOMINGS[t][0] for t in SHORT_TYPES],
        "topics": d.TOPICS, "suggestions": d.SUGGESTIONS, "sources": d.SOURCES,
        "remedies": [d.REMEDY["da"], d.REMEDY["dang"], d.REMEDY["chua"]],
    }
    # Each list is a macro returning a constant (a cross join with a table of lists would copy them per row).
    for k, items in lists.items():
        literal = "[" + ", ".join("'" + str(x).replace("'", "''") + "'" for x in items) + "]"
        con.execute(f"CREATE OR REPLACE TEMP MACRO v_{k}() AS {literal}::VARCHAR[]")
    # wordings[type] = the five (or four) phrasings of one shortcoming type
    rows = [(t, i, w) for t in SHORT_TYPES for i, w in enumerate(d.SHORTCOMINGS[t][1])]
    con.execute("CREATE OR REPLACE TEMP TABLE wordings (type VARCHAR, k INTEGER, text VARCHAR)")
    con.executemany("INSERT INTO wordings VALUES (?, ?, ?)", rows)


# u(...) in [0, 1): a uniform draw from a hash of its arguments (seeded by the first one).
MACROS = """
CREATE OR REPLACE TEMP MACRO u(a) AS (hash(a) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO u2(a, b) AS (hash(a, b) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO u3(a, b, c) AS (hash(a, b, c) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO u4(a, b, c, e) AS (hash(a, b, c, e) >> 11)::DOUBLE / 9007199254740992.0;
CREATE OR REPLACE TEMP MACRO pick(lst, x) AS lst[1 + least(floor(x * len(lst))::INTEGER, len(lst) - 1)];
CREATE OR REPLACE TEMP MACRO between_(lo, hi, x) AS lo + least(floor(x * (hi - lo + 1))::INTEGER, hi - lo);
CREATE OR REPLACE TEMP MACRO gauss(x1, x2) AS sqrt(-2 * ln(greatest(x1, 1e-12))) * cos(2 * pi() * x2);
CREATE OR REPLACE TEMP MACRO no_marks(s) AS replace(replace(strip_accents(s), 'đ', 'd'), 'Đ', 'D');
"""


def _tree(con, s: NationalScale, seed: int) -> None:
    """Units (every version) and lineage events, as tables `units_all`, `cells`, `lineage`."""
    p = {"seed": seed, "np": s.provinces, "dlo": s.districts[0], "dhi": s.districts[1],
         "clo": s.communes[0], "chi": s.communes[1], "olo": s.other_dbcs[0], "ohi": s.other_dbcs[1],
         "blo": s.cbcs[0], "bhi": s.cbcs[1], "cclo": s.commune_cells[0], "cchi": s.commune_cells[1],
         "dclo": s.dbcs_cells[0], "dchi": s.dbcs_cells[1], "vlo": s.village_size[0], "vhi": s.village_size[1],
         "alo": s.agency_size[0], "ahi": s.agency_size[1]}

    def run(sql: str) -> None:
        used = {k: val for k, val in p.items() if f"${k}" in sql}
        con.execute(sql, used)

    run("""CREATE OR REPLACE TEMP TABLE prov AS
        SELECT i AS p, printf('T%02d', i) AS code,
               'Tỉnh ủy ' || pick(v_place_a(), u3($seed, 'pa', i)) || ' ' || pick(v_place_b(), u3($seed, 'pb', i)) AS name,
               between_($dlo, $dhi, u3($seed, 'nd', i)) AS n_districts
        FROM range(1, $np + 1) r(i)""")
    run("""CREATE OR REPLACE TEMP TABLE dist AS
        SELECT pr.code AS province, pr.code || printf('-H%02d', j) AS code,
               pick(v_place_a(), u4($seed, 'da', pr.p, j)) || ' ' || pick(v_place_b(), u4($seed, 'db', pr.p, j)) AS place,
               between_($clo, $chi, u4($seed, 'nc', pr.p, j)) AS n_communes,
               between_($olo, $ohi, u4($seed, 'no', pr.p, j)) AS n_other,
               between_($blo, $bhi, u4($seed, 'nb', pr.p, j)) AS n_cbcs
        FROM prov pr, range(1, pr.n_districts + 1) r(j)""")
    # Grassroots organizations before 2025: communes (X), other đảng bộ cơ sở (D), chi bộ cơ sở (C).
    run("""CREATE OR REPLACE TEMP TABLE grass AS
        SELECT province, code || printf('-X%02d', k) AS code, code AS district, 'X' AS type, k,
               'Đảng bộ xã ' || pick(v_place_a(), u3($seed, 'xa', code || k)) || ' '
                   || pick(v_place_b(), u3($seed, 'xb', code || k)) AS name,
               'Xã, thị trấn' AS kind, 'dang_bo_co_so' AS tree,
               between_($cclo, $cchi, u3($seed, 'ncc', code || k)) AS n_cells
        FROM dist, range(1, n_communes + 1) r(k)
        UNION ALL
        SELECT province, code || printf('-D%02d', k), code, 'D', k,
               replace(v_dbcs_names()[1 + (k - 1) % len(v_dbcs_names())], '{d}', place),
               v_dbcs_kinds()[1 + (k - 1) % len(v_dbcs_kinds())], 'dang_bo_co_so',
               between_($dclo, $dchi, u3($seed, 'ndc', code || k))
        FROM dist, range(1, n_other + 1) r(k)
        UNION ALL
        SELECT province, code || printf('-C%02d', k), code, 'C', k,
               'Chi bộ ' || v_cbcs_names()[1 + (k - 1) % len(v_cbcs_names())]
                   || CASE WHEN k > len(v_cbcs_names()) THEN ' ' || ((k - 1) // len(v_cbcs_names()) + 1) ELSE '' END
                   || ' ' || place,
               v_cbcs_kinds()[1 + (k - 1) % len(v_cbcs_kinds())], 'chi_bo_co_so', 0
        FROM dist, range(1, n_cbcs + 1) r(k)""")
    # Member-holding chi bộ: the cells of communes and other đảng bộ cơ sở, and the chi bộ cơ sở themselves.
    run("""CREATE OR REPLACE TEMP TABLE cells AS
        WITH c AS (
            SELECT g.province, g.code || printf('-CB%02d', j) AS code, g.code AS tccsd, g.type, j,
                   CASE WHEN g.type = 'X' AND j <= g.n_cells - 4
                        THEN 'Chi bộ thôn ' || pick(v_villages(), u3($seed, 'vil', g.code || j)) || ' ' || j
                        WHEN g.type = 'X' THEN replace(replace(v_agency_cells()[1 + (j - (g.n_cells - 4) - 1) * 2],
                             '{word}', 'xã'), '{place}', split_part(g.name, 'xã ', 2))
                        ELSE v_armed_cells()[1 + (j - 1) % len(v_armed_cells())] || ' ' || j END AS name,
                   CASE WHEN g.type = 'X' AND j <= g.n_cells - 4 THEN 'Thôn, tổ dân phố'
                        WHEN g.type = 'X' THEN v_agency_kinds()[1 + (j - (g.n_cells - 4) - 1) * 2]
                        ELSE g.kind END AS kind,
                   'chi_bo_truc_thuoc' AS tree,
                   g.type = 'X' AND j <= g.n_cells - 4 AS village
            FROM grass g, range(1, g.n_cells + 1) r(j)
            WHERE g.type IN ('X', 'D')
            UNION ALL
            SELECT province, code, code, 'C', 0, name, kind, 'chi_bo_co_so', false FROM grass WHERE type = 'C'
        )
        SELECT c.*, row_number() OVER (ORDER BY code) AS cell_no,
               CASE WHEN village THEN between_($vlo, $vhi, u3($seed, 'size', code))
                    ELSE between_($alo, $ahi, u3($seed, 'size', code)) END AS size,
               gauss(u3($seed, 'q1', code), u3($seed, 'q2', code)) AS quality,
               u3($seed, 'caps', code) < .05 AS caps
        FROM c""")
    # 2025: communes merge by three (consecutive within a district) into new communes under the province.
    run("""CREATE OR REPLACE TEMP TABLE merge AS
        SELECT g.code AS old_code, g.province,
               g.province || printf('-XM%04d', dense_rank() OVER (PARTITION BY g.province
                                                                  ORDER BY g.district, (g.k - 1) // 3)) AS new_code,
               count(*) OVER (PARTITION BY g.district, (g.k - 1) // 3) AS group_size,
               g.district, (g.k - 1) // 3 AS grp
        FROM grass g WHERE g.type = 'X'""")
    run("""CREATE OR REPLACE TEMP TABLE new_communes AS
        SELECT DISTINCT m.new_code AS code, m.province,
               'Đảng bộ xã ' || pick(v_place_a(), u3($seed, 'nxa', m.new_code)) || ' '
                   || pick(v_place_b(), u3($seed, 'nxb', m.new_code)) AS name
        FROM merge m""")
    run("""CREATE OR REPLACE TEMP TABLE units_all AS
        SELECT code, name, 'Tỉnh ủy' AS tree, NULL::VARCHAR AS kind, NULL::VARCHAR AS parent,
               NULL::INTEGER AS first_year, NULL::INTEGER AS last_year FROM prov
        UNION ALL SELECT code, 'Huyện ủy ' || place, 'Huyện ủy', NULL, province, NULL, 2024 FROM dist
        UNION ALL   -- old communes end in 2024
        SELECT code, name, 'Đảng bộ cơ sở', kind, district, NULL, 2024 FROM grass WHERE type = 'X'
        UNION ALL SELECT code, name, 'Đảng bộ cơ sở', 'Xã, phường', province, 2025, NULL FROM new_communes
        UNION ALL   -- other grassroots organizations: under the district, then under the province (same code)
        SELECT code, name, CASE WHEN tree = 'chi_bo_co_so' THEN 'Chi bộ cơ sở' ELSE 'Đảng bộ cơ sở' END, kind,
               district, NULL, 2024 FROM grass WHERE type <> 'X'
        UNION ALL
        SELECT code, name, CASE WHEN tree = 'chi_bo_co_so' THEN 'Chi bộ cơ sở' ELSE 'Đảng bộ cơ sở' END, kind,
               province, 2025, NULL FROM grass WHERE type <> 'X'
        UNION ALL   -- chi bộ of communes move to the merged commune in 2025 (same code, new version)
        SELECT c.code, c.name, 'Chi bộ trực thuộc', c.kind, c.tccsd, NULL, 2024 FROM cells c WHERE c.type = 'X'
        UNION ALL
        SELECT c.code, c.name, 'Chi bộ trực thuộc', c.kind, m.new_code, 2025, NULL
        FROM cells c JOIN merge m ON m.old_code = c.tccsd WHERE c.type = 'X'
        UNION ALL
        SELECT code, name, 'Chi bộ trực thuộc', kind, tccsd, NULL, NULL FROM cells WHERE type = 'D'
        UNION ALL   -- leadership collectives of the communes' People's Committees
        SELECT replace(code, '-X', '-TT'), 'Tập thể lãnh đạo Ủy ban nhân dân ' || lower(name[9:9])
                   || name[10:], 'Tập thể lãnh đạo, quản lý', 'Xã, thị trấn', district, NULL, 2024
        FROM grass WHERE type = 'X'
        UNION ALL
        SELECT replace(code, '-XM', '-TTM'), 'Tập thể lãnh đạo Ủy ban nhân dân ' || lower(name[9:9]) || name[10:],
               'Tập thể lãnh đạo, quản lý', 'Xã, phường', province, 2025, NULL FROM new_communes""")
    run("""CREATE OR REPLACE TEMP TABLE lineage AS
        SELECT 2025 AS year, old_code, new_code,
               CASE WHEN group_size = 1 THEN 'Đổi tên' ELSE 'Sáp nhập' END AS event FROM merge
        UNION ALL
        SELECT 2025, replace(old_code, '-X', '-TT'), replace(new_code, '-XM', '-TTM'),
               CASE WHEN group_size = 1 THEN 'Đổi tên' ELSE 'Sáp nhập' END FROM merge""")
    # Collective units rated each year: (unit, subject, kind of unit, has a party committee)
    run("""CREATE OR REPLACE TEMP TABLE collectives AS
        SELECT code, 'chi_bo' AS subject, NULL::INTEGER AS first_year, NULL::INTEGER AS last_year,
               'Chi bộ' AS who, quality FROM cells WHERE tree = 'chi_bo_truc_thuoc'
        UNION ALL
        SELECT g.code, s.subject, NULL, CASE WHEN g.type = 'X' THEN 2024 END,
               CASE WHEN g.type = 'C' THEN 'Chi bộ' ELSE 'Đảng bộ' END,
               gauss(u3($seed, 'gq1', g.code), u3($seed, 'gq2', g.code))
        FROM grass g, (VALUES ('tccsd'), ('cap_uy')) s(subject)
        WHERE s.subject = 'tccsd' OR g.type <> 'C' OR u3($seed, 'capuy', g.code) < .5
        UNION ALL
        SELECT n.code, s.subject, 2025, NULL, 'Đảng bộ', gauss(u3($seed, 'gq1', n.code), u3($seed, 'gq2', n.code))
        FROM new_communes n, (VALUES ('tccsd'), ('cap_uy')) s(subject)
        UNION ALL
        SELECT code, 'tap_the_lanh_dao', first_year, last_year, '',
               gauss(u3($seed, 'tq1', code), u3($seed, 'tq2', code))
        FROM units_all WHERE tree = 'Tập thể lãnh đạo, quản lý'""")
    # Members: slots per chi bộ; each joins (most before 2017) and leaves at some point.
    run("""CREATE OR REPLACE TEMP TABLE members AS
        WITH s AS (
            SELECT c.code AS chi_bo, c.province, c.tccsd, c.kind, c.caps, c.quality, c.cell_no, k,
                   u4($seed, 'm', c.code, k) AS h
            FROM cells c, range(0, (c.size * 1.28)::INTEGER) r(k)
        )
        SELECT chi_bo, province, tccsd, kind, caps, quality, k, cell_no * 64 + k AS mid,
               'D' || lpad((cell_no * 64 + k)::VARCHAR, 9, '0') AS code,
               CASE WHEN u2(h, 'pre') < .74 THEN 1965 + floor(u2(h, 'j') * 52)::INTEGER
                    ELSE 2017 + floor(u2(h, 'j') * 10)::INTEGER END AS joined,
               u2(h, 'late') < .45 AS late,
               u2(h, 'f') < CASE WHEN kind = 'Thôn, tổ dân phố' THEN .35 WHEN kind = 'Lực lượng vũ trang' THEN .1
                                 ELSE .45 END AS female,
               gauss(u2(h, 'g1'), u2(h, 'g2')) AS merit,
               kind IN ('Cơ quan hành chính', 'Đơn vị sự nghiệp') AND u2(h, 'civ') < .9 AS civil,
               h
        FROM s""")
    con.execute("""CREATE OR REPLACE TEMP TABLE members2 AS
        SELECT m.*,
               greatest(m.joined + 1, 2017) + floor(-ln(greatest(u2(h, 'leave'), 1e-12)) / .025)::INTEGER AS left_,
               CASE WHEN m.joined <= 1979 AND u2(h, 'ex') < .5 THEN 2012 + floor(u2(h, 'exy') * 14)::INTEGER END
                   AS exempt_from,
               CASE WHEN female THEN pick(v_female_mid(), u2(h, 'mid')) ELSE pick(v_male_mid(), u2(h, 'mid')) END
                   AS middle,
               pick(v_surnames(), u2(h, 'sur')) AS surname,
               CASE WHEN female THEN pick(v_female_given(), u2(h, 'giv')) ELSE pick(v_male_given(), u2(h, 'giv')) END
                   AS given
        FROM members m""")
    con.execute("DROP TABLE members")
    con.execute("ALTER TABLE members2 RENAME TO members")


def _member_year(con, y: int, seed: int) -> None:
    """Table `my`: the member ratings of year y, one row per member present.

    HT and KHTNV by thresholds of a latent merit; HTXS for the best sixth of each grassroots organization's HTT pool
    (so HTXS ≤ 20 % of HTT), a quarter in ~3 % of organizations and years (over the quota: what the audit finds).
    Window functions run on narrow projections only (wide rows through a sort cost more than the rest together)."""
    p = {"seed": seed, "y": y, "ht": d.HT_SHARE.get(y, .03), "scored": y in d.SCORED_YEARS, "old": y < 2018}

    def run(sql: str) -> None:
        con.execute(sql, {k: val for k, val in p.items() if f"${k}" in sql})

    run("""CREATE OR REPLACE TEMP TABLE my0 AS
        WITH a AS (
            SELECT m.mid, m.code, m.chi_bo, m.tccsd, m.k, m.province, m.caps, m.civil, m.surname, m.middle,
                   m.given, u3(m.h, 'y', $y) AS hy,
                   CASE WHEN m.exempt_from IS NOT NULL AND m.exempt_from <= $y THEN 'mien'
                        WHEN m.joined = $y AND m.late THEN 'moi_ket_nap' END AS not_rated,
                   .75 * m.merit + .25 * m.quality + .6 * gauss(u3(m.h, 'z1', $y), u3(m.h, 'z2', $y)) AS z
            FROM members m WHERE m.joined <= $y AND $y < m.left_
        )
        SELECT a.*, CASE WHEN not_rated IS NOT NULL THEN NULL
                         WHEN u2(hy, 'disc') < .0025 THEN 4
                         WHEN z < -2.9 THEN 4
                         WHEN z < -2.9 + $ht * 25 THEN 3
                         ELSE 2 END AS base,
               not_rated IS NULL AND u2(hy, 'disc') < .0025 AS disciplined_
        FROM a""")
    run("""CREATE OR REPLACE TEMP TABLE my_htxs AS
        WITH pool AS (SELECT mid, tccsd, z FROM my0 WHERE base = 2),
        r AS (SELECT mid, tccsd, row_number() OVER (PARTITION BY tccsd ORDER BY z DESC, mid) AS rk,
                     count(*) OVER (PARTITION BY tccsd) AS n FROM pool)
        SELECT mid FROM r
        WHERE rk <= CASE WHEN u3($seed, tccsd, $y) < .03 THEN n // 4 ELSE n // 6 END""")
    run("""CREATE OR REPLACE TEMP TABLE my_cell AS
        SELECT chi_bo, count(*) AS present, min(k) FILTER (base IS NOT NULL) AS lead_k FROM my0 GROUP BY chi_bo""")
    run("""CREATE OR REPLACE TEMP TABLE my AS
        WITH l AS (
            SELECT my0.*, c.present, my0.k = c.lead_k AS leads,
                   CASE WHEN x.mid IS NOT NULL THEN 1 ELSE base END AS level
            FROM my0 JOIN my_cell c ON c.chi_bo = my0.chi_bo LEFT JOIN my_htxs x ON x.mid = my0.mid
        )
        SELECT l.province, l.chi_bo, l.code, $y AS year,
               CASE WHEN caps THEN upper(surname || ' ' || middle || ' ' || given)
                    ELSE surname || ' ' || middle || ' ' || given END AS full_name,
               CASE WHEN level IS NULL THEN
                        CASE WHEN not_rated = 'mien' THEN CASE WHEN u2(hy, 'sp') < .85 THEN 'Miễn công tác và sinh hoạt đảng'
                                                              ELSE 'Miễn sinh hoạt đảng' END
                             ELSE CASE WHEN u2(hy, 'sp') < .85 THEN 'Kết nạp dưới 6 tháng'
                                       ELSE 'Mới kết nạp dưới 6 tháng' END END
                    WHEN u2(hy, 'var') < .97 THEN (CASE WHEN $old THEN v_m_old() ELSE v_m_new() END)[level]
                    WHEN u2(hy, 'var') < .98 THEN upper((CASE WHEN $old THEN v_m_old() ELSE v_m_new() END)[level])
                    WHEN u2(hy, 'var') < .99 THEN no_marks((CASE WHEN $old THEN v_m_old() ELSE v_m_new() END)[level])
                    WHEN u2(hy, 'var') < .995 THEN v_abbr()[level]
                    ELSE v_abbr2()[level] END AS label,
               CASE WHEN level IS NULL THEN NULL WHEN disciplined_ THEN 'Có' ELSE 'Không' END AS disciplined,
               CASE WHEN disciplined_ THEN CASE WHEN u2(hy, 'form') < .7 THEN 'Khiển trách'
                                                WHEN u2(hy, 'form') < .95 THEN 'Cảnh cáo' ELSE 'Cách chức' END END
                   AS discipline_form,
               CASE WHEN level IS NULL THEN NULL WHEN leads THEN 'Có' ELSE 'Không' END AS is_leader,
               CASE WHEN leads THEN chi_bo END AS led_unit,
               CASE WHEN civil AND level IS NOT NULL AND $y >= 2018
                    THEN v_m_new()[CASE WHEN u2(hy, 'cl') < .02 THEN least(level + 1, 4) ELSE level END] END
                   AS civil_label,
               CASE WHEN level IS NOT NULL AND u3($seed, chi_bo, $y) < .3
                    THEN (present * .95)::INTEGER - floor(u2(hy, 'vt') * present * .2)::INTEGER END AS votes_for,
               CASE WHEN level IS NOT NULL AND u3($seed, chi_bo, $y) < .3 THEN (present * .95)::INTEGER END
                   AS official_members,
               CASE WHEN level IS NOT NULL AND $scored
                    THEN round(CASE level WHEN 1 THEN 90 + 8 * u2(hy, 'sc') WHEN 2 THEN 70 + 19.5 * u2(hy, 'sc')
                                          WHEN 3 THEN 50 + 19.5 * u2(hy, 'sc') ELSE 30 + 19.5 * u2(hy, 'sc') END
                               * 2) / 2 END AS score
        FROM l""")
    for t in ("my0", "my_htxs", "my_cell"):
        con.execute(f"DROP TABLE {t}")


MEMBER_COLS = """year AS "Năm", code AS "Mã đảng viên", full_name AS "Họ và tên", chi_bo AS "Mã chi bộ",
    label AS "Xếp loại", disciplined AS "Bị kỷ luật trong năm", discipline_form AS "Hình thức kỷ luật",
    is_leader AS "Là cán bộ lãnh đạo quản lý", led_unit AS "Đơn vị lãnh đạo", civil_label AS "Xếp loại công chức",
    votes_for AS "Số phiếu tán thành", official_members AS "Số đảng viên chính thức", score AS "Điểm\""""


def _copy(con, select_sql: str, path: Path, params: dict | None = None) -> None:
    tmp = path.with_name(path.name + ".part")
    con.execute(f"COPY ({select_sql}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)",
                params or {})
    os.replace(tmp, path)


def _collectives_year(con, y: int, seed: int, path: Path) -> None:
    old = y < 2018
    _copy(con, f"""
        WITH c AS (
            SELECT c.*, .8 * c.quality + .6 * gauss(u4($seed, 'cz1', c.code, $y), u4($seed, 'cz2', c.code, $y)) AS z,
                   u4($seed, 'cv', c.code, c.subject || $y) AS var
            FROM collectives c
            WHERE coalesce(c.first_year, 0) <= $y AND $y <= coalesce(c.last_year, 9999)
        ), l AS (
            SELECT *, CASE WHEN z > .95 THEN 1 WHEN z < -2.6 THEN 4 WHEN z < -1.9 THEN 3 ELSE 2 END AS level FROM c
        ), s AS (
            SELECT *, CASE WHEN var < .1 AND level > 1 THEN level - 1 ELSE level END AS self_level FROM l
        )
        SELECT $y AS "Năm", s.code AS "Mã đơn vị", un.name AS "Tên đơn vị",
               CASE s.subject WHEN 'chi_bo' THEN 'Chi bộ trực thuộc' WHEN 'tccsd' THEN 'Tổ chức cơ sở đảng'
                    WHEN 'cap_uy' THEN 'Cấp ủy cơ sở' ELSE 'Tập thể lãnh đạo, quản lý' END AS "Đối tượng",
               {'v_o_old()' if old else 'v_m_new()'}[s.self_level] AS "Tự xếp loại",
               CASE WHEN var > .97 THEN upper({'v_o_old()' if old else 'v_m_new()'}[s.level])
                    WHEN var > .95 AND s.who <> '' AND s.subject <> 'cap_uy'
                         THEN s.who || ' ' || lower({'v_o_old()' if old else 'v_m_new()'}[s.level][1:1])
                              || {'v_o_old()' if old else 'v_m_new()'}[s.level][2:]
                    ELSE {'v_o_old()' if old else 'v_m_new()'}[s.level] END AS "Xếp loại",
               CASE WHEN $y IN (2017, 2025) THEN round(CASE s.level WHEN 1 THEN 90 + 8 * var WHEN 2 THEN 70 + 19 * var
                                                       WHEN 3 THEN 50 + 19 * var ELSE 30 + 19 * var END * 2) / 2
                    END AS "Điểm",
               CASE WHEN u4($seed, 'cd', s.code, $y) < .01 THEN 'Có' ELSE 'Không' END
                   AS "Có thành viên hoặc đơn vị trực thuộc bị kỷ luật"
        FROM s JOIN (SELECT code, arg_max(name, coalesce(first_year, 0)) AS name FROM units_all GROUP BY code) un
             USING (code)
        ORDER BY s.code, s.subject""", path, {"seed": seed, "y": y})


def _shortcomings_year(con, y: int, seed: int, path: Path) -> None:
    """About half of the grassroots organizations each year; one type per unit for runs of three years (recurring,
    reworded), sometimes at the party committee."""
    _copy(con, """
        WITH g AS (
            SELECT c.code, c.subject FROM collectives c
            WHERE c.subject IN ('tccsd', 'cap_uy') AND coalesce(c.first_year, 0) <= $y
              AND $y <= coalesce(c.last_year, 9999)
              AND u4($seed, 'sh', c.code, c.subject || $y) < CASE c.subject WHEN 'tccsd' THEN .4 ELSE .15 END
        ), t AS (
            SELECT g.*, pick(v_short_types(), u3($seed, g.code || g.subject, ($y + (hash(g.code) % 3)::INTEGER) // 3))
                       AS type,
                   u4($seed, 'shw', g.code, $y) AS w
            FROM g
        )
        SELECT $y AS "Năm", t.code AS "Mã đơn vị",
               CASE t.subject WHEN 'tccsd' THEN 'Tổ chức cơ sở đảng' ELSE 'Cấp ủy cơ sở' END AS "Đối tượng",
               replace(wd.text, '{topic}', pick(v_topics(), u2(t.code, 'topic'))) AS "Nội dung",
               CASE WHEN $y % 2 = 1 OR $y >= 2024 THEN v_short_cats()[list_position(v_short_types(), t.type)] END AS "Nhóm",
               pick(v_remedies(), u2(w, 'rem')) AS "Kết quả khắc phục",
               nullif(pick(v_sources(), u2(w, 'src')), '') AS "Nguồn"
        FROM t JOIN wordings wd ON wd.type = t.type
             AND wd.k = floor(t.w * (SELECT count(*) FROM wordings w2 WHERE w2.type = t.type))::INTEGER
        ORDER BY t.code, t.subject""", path, {"seed": seed, "y": y})


def _suggestions_year(con, y: int, seed: int, path: Path) -> None:
    _copy(con, """
        SELECT $y AS "Năm", c.code AS "Mã đơn vị", pick(v_suggestions(), u4($seed, 'sgt', c.code, $y)) AS "Nội dung"
        FROM collectives c
        WHERE c.subject = 'tccsd' AND coalesce(c.first_year, 0) <= $y AND $y <= coalesce(c.last_year, 9999)
          AND u4($seed, 'sg', c.code, $y) < .05
        ORDER BY c.code""", path, {"seed": seed, "y": y})


def _connect(work: Path | None = None, memory_limit: str = "6GB") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"})
    con.execute(f"SET memory_limit = '{memory_limit}'")
    if work:
        con.execute(f"SET temp_directory = '{work}'")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    con.execute(MACROS)
    _vocab(con)
    return con


def generate(out_dir: Path, *, scale: str = "national", seed: int = 2025, years: list[int] | None = None,
             extra_years: list[int] | None = None, log=print) -> list[Path]:
    """Write the files; return them in load order (units, lineage, then year by year). `extra_years` writes only
    those years' member and collective files (for "one more year") into out_dir/them."""
    s = SCALES[scale]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = _connect(out)
    try:
        t0 = time.perf_counter()
        _tree(con, s, seed)
        log(f"  cây tổ chức: {con.execute('SELECT count(*) FROM units_all').fetchone()[0]:,} phiên bản đơn vị, "
            f"{con.execute('SELECT count(*) FROM cells').fetchone()[0]:,} chi bộ ({time.perf_counter() - t0:.1f} s)")
        files: list[Path] = []
        if extra_years is None:
            for old in out.glob("*.parquet"):
                old.unlink()
            _copy(con, """SELECT code AS "Mã đơn vị", name AS "Tên đơn vị", tree AS "Cấp tổ chức", kind AS "Loại hình",
                                 parent AS "Mã đơn vị cấp trên", first_year AS "Từ năm", last_year AS "Đến năm"
                          FROM units_all ORDER BY code, coalesce(first_year, 0)""", out / "don_vi.parquet")
            _copy(con, """SELECT year AS "Năm", old_code AS "Mã đơn vị cũ", new_code AS "Mã đơn vị mới",
                                 event AS "Hình thức" FROM lineage ORDER BY old_code""",
                  out / "sap_nhap_chia_tach.parquet")
            files += [out / "don_vi.parquet", out / "sap_nhap_chia_tach.parquet"]
        provinces = [r[0] for r in con.execute("SELECT code FROM prov ORDER BY code").fetchall()]
        for y in (years or YEARS) if extra_years is None else extra_years:
            t1 = time.perf_counter()
            _member_year(con, y, seed)
            n = con.execute("SELECT count(*) FROM my").fetchone()[0]
            for prov in provinces:
                path = out / f"dang_vien_{y}_{prov}.parquet"
                _copy(con, f"SELECT {MEMBER_COLS} FROM my WHERE province = $p ORDER BY chi_bo, code", path,
                      {"p": prov})
                files.append(path)
            _collectives_year(con, y, seed, out / f"tap_the_{y}.parquet")
            files.append(out / f"tap_the_{y}.parquet")
            if extra_years is None:
                _shortcomings_year(con, y, seed, out / f"han_che_{y}.parquet")
                _suggestions_year(con, y, seed, out / f"goi_y_{y}.parquet")
                files += [out / f"han_che_{y}.parquet", out / f"goi_y_{y}.parquet"]
            log(f"  năm {y}: {n:,} đảng viên ({time.perf_counter() - t1:.1f} s)")
        return files
    finally:
        con.close()


def files_in_order(folder: Path, years: list[int] | None = None) -> list[Path]:
    """The files of a generated folder in load order: units, lineage, then year by year."""
    folder = Path(folder)
    files = [folder / "don_vi.parquet", folder / "sap_nhap_chia_tach.parquet"]
    for y in years or YEARS:
        files += sorted(folder.glob(f"dang_vien_{y}_*.parquet"))
        files += [p for p in (folder / f"tap_the_{y}.parquet", folder / f"han_che_{y}.parquet",
                              folder / f"goi_y_{y}.parquet") if p.exists()]
    return [p for p in files if p.exists()]


def complete(folder: Path, years: list[int] | None = None) -> bool:
    """Whether a folder holds a whole generated set (then it is reused: the generator is deterministic)."""
    folder = Path(folder)
    return (folder / "don_vi.parquet").exists() and all(
        (folder / f"tap_the_{y}.parquet").exists() and any(folder.glob(f"dang_vien_{y}_*.parquet"))
        for y in years or YEARS)


# ───────────────────────────── `python -m etl demo --scale national` ─────────────────────────────

def build(db, out_dir=None, *, scale: str = "national", log=print) -> int:
    """Generate the national files and load them through the loader, in one load. Returns 0 when every row loaded."""
    db_file = warehouse.db_path(db)
    out = Path(out_dir or DEFAULT_OUT)
    t0 = time.perf_counter()
    if complete(out):
        log(f"Dùng lại tệp minh họa toàn quốc đã tạo trong {out} (xóa thư mục để tạo lại)")
        files = files_in_order(out)
    else:
        log(f"Tạo dữ liệu minh họa toàn quốc (quy mô {scale}) vào {out}…")
        files = generate(out, scale=scale, log=log)
    t_gen = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in files)
    log(f"  đã ghi {len(files)} tệp Parquet ({size / 2**20:,.0f} MB) trong {t_gen:.1f} giây")
    log(f"Nạp {len(files)} tệp qua bộ nạp (kiểm tra từng dòng, một lần nạp)…")
    t1 = time.perf_counter()
    res = load_files(files, db_file, progress=Progress(), note=NOTE)
    t_load = time.perf_counter() - t1
    rows = sum(f.rows_loaded for f in res.files)
    for f in res.files:
        if f.error:
            log(f"  ✗ {f.name}: {f.error}")
    for r in res.rejects[:20]:
        log(f"  - {r.message()}")
    if res.written:
        with warehouse.writing(db_file) as con:     # (only the label: nothing derived changes)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', ?)", [NOTE])
    log(f"  nạp {rows:,} dòng, loại {len(res.rejects):,} trong {t_load:.1f} giây "
        f"({rows / max(t_load, 1e-9):,.0f} dòng/giây) — kho: {db_file}")
    log(f"Thời gian: tạo {t_gen:.1f} giây, nạp {t_load:.1f} giây, tổng {time.perf_counter() - t0:.1f} giây")
    return 0 if not res.rejects and not any(f.error for f in res.files) else 1


def clean(out_dir: Path) -> None:
    shutil.rmtree(out_dir, ignore_errors=True)
