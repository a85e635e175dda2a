"""The demo generator: reproducible, loads with zero rejects, and breaks the rules exactly where planted.json says."""
from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from generators import demo
from etl.normalize import search_key
from generators.demo import BANDS, COLLECTIVE_QUOTA_FROM, HT, HTT, HTXS, KHTNV, REORG_YEAR, SCORED_YEARS, YEARS


# ───────────── an independent audit of the rules the demo must respect (domain.md §6–§8) ─────────────

MEMBER_KINDS = {"exempt_member_rated", "disciplined_member_not_khtnv", "htxs_votes_below_two_thirds",
                "party_htxs_civil_not_htxs", "leader_above_led_unit", "chi_bo_htxs_with_khtnv_member"}


def audit(d: demo.Demo) -> set[tuple]:
    """Every rule violation in the generated records, as (kind, year, unit, member or None)."""
    units = d.units
    found: set[tuple] = set()

    def tccsd_of(chi_bo: str) -> str:
        return chi_bo if units[chi_bo].tree == "cbcs" else units[chi_bo].parent

    # The records never name a unit outside its years, and members sit in chi bộ.
    for r in d.member_ratings:
        assert units[r.chi_bo].alive(r.year) and units[r.chi_bo].holds_members, r
        assert r.led_unit is None or units[r.led_unit].alive(r.year), r
    for rec in [*d.collective_ratings, *d.shortcomings, *d.suggestions]:
        assert units[rec.unit].alive(rec.year), rec

    members = defaultdict(list)                   # (year, chi bộ) → rated member records
    by_member = {}
    for r in d.member_ratings:
        by_member[(r.year, r.member)] = r
        if r.level is not None:
            members[(r.year, r.chi_bo)].append(r)
    coll = {(c.year, c.unit, c.subject): c for c in d.collective_ratings}

    # Members' quota: HTXS ≤ 20 % of HTT per grassroots organization (366: up to 25 % with an exception).
    counts = defaultdict(lambda: [0, 0])
    for (y, cb), rs in members.items():
        for r in rs:
            if r.level in (HTXS, HTT):
                counts[(y, tccsd_of(cb))][r.level - 1] += 1
    for (y, t), (a, b) in counts.items():
        if 5 * a > b:
            kind = "member_quota_needs_exception" if y >= REORG_YEAR and 4 * a <= b else "member_quota_exceeded"
            found.add((kind, y, t, None))
    # Collectives' quota per group of similar role (same parent, tree level, kind), 2023–.
    groups = defaultdict(lambda: [0, 0])
    for c in d.collective_ratings:
        u = units[c.unit]
        if c.year >= COLLECTIVE_QUOTA_FROM and c.level in (HTXS, HTT):
            groups[(c.year, c.subject, u.parent, u.tree, u.kind)][c.level - 1] += 1
    for (y, subject, parent, *_), (a, b) in groups.items():
        if 5 * a > b:
            found.add(("collective_quota_exceeded", y, parent, subject))

    for r in d.member_ratings:
        key = (r.year, r.chi_bo)
        if r.level is None:
            assert r.not_rated in ("mien", "moi_ket_nap") and not r.votes and r.score is None
            continue
        if r.disciplined and r.level != KHTNV:
            found.add(("disciplined_member_not_khtnv", r.year, r.chi_bo, r.member))
        if r.votes is not None:
            if r.level == HTXS and 3 * r.votes <= 2 * r.official:
                found.add(("htxs_votes_below_two_thirds", r.year, r.chi_bo, r.member))
            elif 2 * r.votes <= r.official:
                found.add(("votes_below_half", r.year, r.chi_bo, r.member))
        if r.civil is not None and r.civil != r.level:
            kind = "party_htxs_civil_not_htxs" if r.level == HTXS else "civil_rating_differs"
            found.add((kind, r.year, r.chi_bo, r.member))
        if (r.score is not None) != (r.year in SCORED_YEARS):
            found.add(("member_score_missing_or_extra", r.year, r.chi_bo, r.member))
        if r.score is not None and not BANDS[r.level][0] <= r.score <= BANDS[r.level][1]:
            found.add(("member_score_outside_band", r.year, r.chi_bo, r.member))
        before, after = by_member.get((r.year - 1, r.member)), by_member.get((r.year + 1, r.member))
        if before and after and before.not_rated == "mien" and after.not_rated == "mien":
            found.add(("exempt_member_rated", r.year, r.chi_bo, r.member))
        if r.led_unit:
            u = units[r.led_unit]
            unit = coll[(r.year, r.led_unit, "tap_the_lanh_dao" if u.tree == "ttld" else "tccsd")]
            if unit.level == KHTNV and r.level != KHTNV:
                found.add(("leader_above_led_unit", r.year, r.led_unit, r.member))
            elif r.level < unit.level:
                found.add(("leader_better_than_unit", r.year, r.led_unit, r.member))
            # The leadership collective the member heads (tập thể lãnh đạo, cấp ủy cơ sở) is KHTNV when the head was
            # disciplined in the year: 21-HD (2019–2022) from cảnh cáo up; 124-QĐ (2023–2024) in any form; 366-QĐ
            # (2025–) from khiển trách, the lightest, up — save a violation self-detected and remedied (2023–).
            form = search_key(r.form or "")
            counts = r.disciplined and (
                any(f in form for f in ("canh cao", "cach chuc", "khai tru")) if 2019 <= r.year <= 2022 else
                r.year >= 2023 and not any(f in form for f in ("tu phat hien", "chu dong phat hien")))
            team = coll.get((r.year, r.led_unit, "tap_the_lanh_dao" if u.tree == "ttld" else "cap_uy"))
            if counts and team and team.level != KHTNV:
                found.add(("leadership_collective_head_disciplined", r.year, r.led_unit, r.member))
        assert key in members

    def rule_21hd(level: int, below: list[int], majority: float) -> str | None:
        """21-HD: HTXS needs 100 % ≥ HT and ≥ 80 % ≥ HTT below; HTT needs 100 % ≥ HT and ≥ 50 %; 27-HD: KHTNV
        when too many below are KHTNV."""
        n = len(below)
        if not n:
            return None
        k4 = sum(1 for v in below if v == KHTNV)
        good = sum(1 for v in below if v <= HTT)
        if level == HTXS and k4:
            return "chi_bo_htxs_with_khtnv_member"
        if (level == HTXS and good < .8 * n) or (level == HTT and (k4 or good < .5 * n)) or \
                (k4 > majority * n and level != KHTNV):
            return "organization_rule_21hd"
        return None

    unfixed = {(s.year, s.unit) for s in d.shortcomings if s.remedy != "da"}
    for c in d.collective_ratings:
        u = units[c.unit]
        if c.subject in ("chi_bo", "tccsd") and u.holds_members:
            below = [r.level for r in members.get((c.year, c.unit), [])]
            kind = rule_21hd(c.level, below, .5)
            if kind == "chi_bo_htxs_with_khtnv_member":
                bad = next(r.member for r in members[(c.year, c.unit)] if r.level == KHTNV)
                found.add((kind, c.year, c.unit, bad))
            elif kind:
                found.add((kind, c.year, c.unit, None))
            if c.level == HTXS and any(r.disciplined for r in members.get((c.year, c.unit), [])):
                found.add(("collective_htxs_disciplined_member", c.year, c.unit, None))
        if c.subject == "tccsd" and u.tree == "dbcs":
            below = [coll[(c.year, k, "chi_bo")].level for k in (x for x in units if units[x].parent == c.unit)
                     if (c.year, k, "chi_bo") in coll]
            kind = rule_21hd(c.level, below, 1 / 3)
            if kind:
                found.add(("organization_rule_21hd", c.year, c.unit, None))
        if (c.score is not None) != (c.year in SCORED_YEARS):
            found.add(("collective_score_missing_or_extra", c.year, c.unit, None))
        if c.score is not None and not BANDS[c.level][0] <= c.score <= BANDS[c.level][1]:
            found.add(("collective_score_outside_band", c.year, c.unit, None))
        if c.disciplined and (c.level == HTXS or (c.subject == "tap_the_lanh_dao" and c.level != KHTNV)):
            found.add(("collective_htxs_disciplined", c.year, c.unit, None))
        if not c.self_level <= c.level <= c.self_level + 1:
            found.add(("self_rating_gap", c.year, c.unit, None))
        if c.year >= REORG_YEAR and c.level == HTXS:
            codes = [c.unit, *d.predecessors(c.unit)]
            if any((c.year - 1, k) in unfixed for k in codes):
                found.add(("recurring_shortcoming_unfixed", c.year, c.unit, None))
    return found


def planted_keys(planted: list[dict]) -> set[tuple]:
    return {(p["kind"], p["year"], p["unit_code"], p["member_code"] if p["kind"] in MEMBER_KINDS else None)
            for p in planted}


@pytest.fixture(scope="module")
def small() -> demo.Demo:
    return demo.simulate("small", anomalies=True)


@pytest.fixture(scope="module")
def small_clean() -> demo.Demo:
    return demo.simulate("small", anomalies=False)


def test_without_anomalies_every_rule_holds(small_clean):
    assert small_clean.planted == []
    assert audit(small_clean) == set()


def test_anomalies_are_exactly_the_planted_ones(small):
    assert audit(small) == planted_keys(small.planted)
    kinds = {p["kind"] for p in small.planted}
    assert kinds == {"member_quota_exceeded", "member_quota_needs_exception", "disciplined_member_not_khtnv",
                     "chi_bo_htxs_with_khtnv_member", "collective_score_outside_band", "leader_above_led_unit",
                     "collective_htxs_disciplined", "htxs_votes_below_two_thirds", "party_htxs_civil_not_htxs",
                     "exempt_member_rated", "recurring_shortcoming_unfixed"}
    offender = sorted(p["year"] for p in small.planted if p["kind"] == "member_quota_exceeded" and p["year"] < 2025)
    assert offender == [2021, 2022, 2023]                      # a repeat offender, three years in a row
    ratios = {p["kind"]: p["ratio"] for p in small.planted if p["year"] == 2025 and "ratio" in p}
    assert .20 < ratios["member_quota_needs_exception"] <= .25 < ratios["member_quota_exceeded"]


def test_district_anomalies_are_exactly_the_planted_ones():
    # The district demo has many more leadership collectives than the small one, hence heads disciplined in years
    # where 21-HD (cảnh cáo up), 124-QĐ (any form) or 366-QĐ makes their collective KHTNV.
    district = demo.simulate("district", anomalies=True)
    assert audit(district) == planted_keys(district.planted)


def test_planting_changes_only_the_planted_records(small, small_clean):
    keys = {(r.year, r.member) for r in small.member_ratings}
    assert keys == {(r.year, r.member) for r in small_clean.member_ratings}      # the same people every year
    clean = {(r.year, r.member): r for r in small_clean.member_ratings}
    differ = [r for r in small.member_ratings if r != clean[(r.year, r.member)]]
    assert 0 < len(differ) < .05 * len(small.member_ratings)
    assert small.units.keys() == small_clean.units.keys() and small.lineage == small_clean.lineage


def test_planted_chain_is_reworded_and_never_fixed(small):
    chain = next(p for p in small.planted if p["kind"] == "recurring_shortcoming_unfixed")
    rows = [s for s in small.shortcomings if s.unit == chain["unit_code"] and s.kind == demo.PLANTED_CHAIN_TYPE]
    assert [s.year for s in rows] == chain["years"] == [2022, 2023, 2024, 2025]
    assert {s.remedy for s in rows} == {"chua"}
    assert len({s.text for s in rows}) == 4                   # a different wording every year
    assert next(c for c in small.collective_ratings if c.year == 2025 and c.unit == chain["unit_code"]
                and c.subject == "tccsd").level == HTXS


def test_shape_resembles_seed_004(small):
    rated = [r for r in small.member_ratings if r.level is not None]
    share = {lv: sum(1 for r in rated if r.level == lv) / len(rated) for lv in (HTXS, HTT, HT, KHTNV)}
    assert .12 < share[HTXS] < .18 and .72 < share[HTT] < .86 and .02 < share[HT] < .08 and share[KHTNV] < .01
    exempt = sum(1 for r in small.member_ratings if r.not_rated == "mien") / len(small.member_ratings)
    assert .03 < exempt < .09
    years = {r.year for r in small.member_ratings}
    assert years == set(YEARS)
    codes_2017 = {r.member for r in small.member_ratings if r.year == 2017}
    codes_2025 = {r.member for r in small.member_ratings if r.year == 2025}
    assert len(codes_2017 & codes_2025) > .7 * len(codes_2017)          # member codes are stable across years
    per_unit_year = defaultdict(int)
    for s in small.shortcomings:
        if small.units[s.unit].grassroots:
            per_unit_year[(s.year, s.unit)] += 1
    assert set(per_unit_year.values()) == {1, 2, 3}          # 1–3 per grassroots organization
    assert any(len(c["years"]) >= 3 for c in small.chains if not c["planted"])


# ───────────── files ─────────────

def _content(path: Path):
    if path.suffix == ".xlsx":
        wb = CalamineWorkbook.from_path(str(path))
        return [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_files(tmp_path):
    a = demo.generate(tmp_path / "a", scale="small")
    b = demo.generate(tmp_path / "b", scale="small")
    assert [p.name for p in a] == [p.name for p in b]
    assert any(p.suffix == ".xlsx" for p in a) and any(p.suffix == ".csv" for p in a)
    for pa, pb in zip(a, b):
        assert _content(pa) == _content(pb), pa.name
        assert pa.read_bytes() == pb.read_bytes(), pa.name        # xlsx timestamps are pinned too
    assert (tmp_path / "a" / "planted.json").read_bytes() == (tmp_path / "b" / "planted.json").read_bytes()
    c = demo.generate(tmp_path / "c", scale="small", seed=7)
    assert _content(c[2]) != _content(a[2])


def test_files_use_the_template_headers(tmp_path):
    files = demo.generate(tmp_path, scale="small")
    assert files[0].name == "don_vi.xlsx"
    for path in files:
        if path.suffix == ".csv":
            text = path.read_text(encoding="utf-8-sig")
            delimiter = ";" if text.splitlines()[0].count(";") > 2 else ","
            header = next(csv.reader([text.splitlines()[0]], delimiter=delimiter))
        else:
            header = _content(path)[0][0]
        assert any(header == demo.LAYOUTS[k].headers() for k in demo.LAYOUTS), path.name


def test_no_anomalies_writes_an_empty_ground_truth(tmp_path):
    demo.generate(tmp_path, scale="small", anomalies=False)
    assert json.loads((tmp_path / "planted.json").read_text(encoding="utf-8")) == []


# ───────────── through the loader ─────────────

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    db, out = root / "kho.duckdb", root / "files"
    code = demo.build(db, out, scale="small", anomalies=True)
    return code, db, out


def q(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_small_demo_loads_with_zero_rejects(built):
    code, db, out = built
    assert code == 0
    loads = dict(((name, rejected) for name, rejected in q(db, "SELECT file_name, rows_rejected FROM loads")))
    assert loads.pop("bao_lam_2018_2022.tsv") == 2            # the real report's two bad year columns
    assert loads and set(loads.values()) == {0}
    assert q(db, "SELECT value FROM meta WHERE key = 'demo'") == [(demo.DEMO_NOTE,)]


def test_warehouse_holds_units_years_eras_and_lineage(built):
    _, db, _ = built
    d = demo.simulate("small")
    assert q(db, "SELECT count(*) FROM units WHERE unit_code = 'TU-MS' OR unit_code LIKE 'H01%' "
                 "OR unit_code LIKE 'MS-%' OR unit_code LIKE 'TU-MS-%'")[0][0] == len(d.units)
    assert [y for (y,) in q(db, "SELECT DISTINCT year FROM member_ratings ORDER BY 1")] == YEARS
    assert [y for (y,) in q(db, "SELECT DISTINCT year FROM collective_ratings ORDER BY 1")] == YEARS
    era = dict(q(db, "SELECT label_key, era FROM level_labels"))
    used = {(y >= 2018, era.get(search_key(raw))) for y, raw in q(db, "SELECT DISTINCT year, label_raw FROM "
                                                                    "member_ratings UNION SELECT DISTINCT year, "
                                                                    "label_raw FROM collective_ratings")}
    assert (False, "truoc_2018") in used and (True, "tu_2018") in used and (True, "viet_tat") in used
    assert (True, "truoc_2018") not in used                     # old names only before 2018
    assert q(db, "SELECT count(DISTINCT label_raw) FROM member_ratings WHERE year = 2017 AND level = 2")[0][0] > 1
    events = {e for (e,) in q(db, "SELECT DISTINCT event FROM lineage_events WHERE year = 2025")}
    assert events == {"sap_nhap", "doi_ten", "chuyen_cap_tren"}


def test_loaded_values_equal_generated_ones(built):
    """Every spelling variant (old names, capitals, no diacritics, HTT, "Đảng viên …", decimal commas) parsed back to
    exactly what was generated."""
    _, db, _ = built
    d = demo.simulate("small")
    want = {(r.year, r.member): (r.chi_bo, r.level, r.not_rated, r.disciplined if r.level else None, r.led_unit,
                                 r.civil, r.votes, r.official, r.score) for r in d.member_ratings}
    got = {(y, code): (cb, lvl, reason, disc if lvl else None, led, civil, votes, official, score)
           for y, code, cb, lvl, reason, disc, led, civil, votes, official, score in q(db, """
               SELECT m.year, i.member_code, m.chi_bo_code, m.level, m.not_rated_reason, m.disciplined,
                      m.led_unit_code, m.civil_level, m.votes_for, m.official_members, m.score
               FROM member_ratings m JOIN member_identities i USING (member_key)""")}
    assert got == want
    want_c = {(c.year, c.unit, c.subject): (c.level, c.self_level, c.score, c.disciplined)
              for c in d.collective_ratings}
    got_c = {(y, u, s): rest for y, u, s, *rest in
             (tuple(r) for r in q(db, "SELECT year, unit_code, subject, level, self_level, score, disciplined "
                                      "FROM collective_ratings WHERE unit_code NOT LIKE 'U-%'"))}
    assert {k: tuple(v) for k, v in got_c.items()} == want_c
    shortcomings = q(db, "SELECT year, unit_code, subject, remedy_status FROM shortcomings")
    assert sorted(shortcomings) == sorted((s.year, s.unit, s.subject, {"da": "da_khac_phuc", "dang": "dang_khac_phuc",
                                                                       "chua": "chua_khac_phuc"}[s.remedy])
                                          for s in d.shortcomings)


def test_planted_items_name_units_and_members_in_the_warehouse(built):
    _, db, out = built
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    assert planted
    units = {c for (c,) in q(db, "SELECT unit_code FROM units")}
    members = {c for (c,) in q(db, "SELECT member_code FROM member_identities")}
    rated = set(q(db, "SELECT m.year, i.member_code FROM member_ratings m JOIN member_identities i USING (member_key)"))
    for p in planted:
        assert p["unit_code"] in units, p
        assert p["subject"] in {"dang_vien", "chi_bo", "tccsd", "tap_the_lanh_dao"}
        assert p["detail"]
        if p["member_code"]:
            assert p["member_code"] in members and (p["year"], p["member_code"]) in rated, p
