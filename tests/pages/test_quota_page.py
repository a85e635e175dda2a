"""AppTest of pages/quota.py ("Vượt tỷ lệ xuất sắc") in the real app: summary, flagged groups, funnel plot (limits
against scipy, a click opening the profile), repeat offenders, the page's choices in the address, downloads, empty
states, and Vietnamese-only text."""
from __future__ import annotations

import io
import json
import math
import re

import openpyxl
import pandas as pd
import pytest
from scipy import stats

from operations.load import load_files
from tests.conftest import UNITS_HEADER, write_csv
from tests.pages.conftest import figures, texts

PLANTED = {"member_quota_exceeded": "Vượt tỷ lệ", "member_quota_needs_exception": "Cần cấp có thẩm quyền cho phép"}
DOCS = {2021: "21-HD/BTCTW", 2022: "21-HD/BTCTW", 2023: "124-QĐ/TW", 2024: "124-QĐ/TW", 2025: "366-QĐ/TW"}
RAW_CODES = re.compile(r"\b(vuot|trong_gioi_han|can_quyet_dinh|can_xem_xet|khong_co_quy_tac|dang_vien|tccsd|chi_bo|"
                       r"cap_uy|tap_the_lanh_dao|can_bo_lanh_dao|ho_so_ca_nhan|ho_so_tap_the|so_lieu_tong_hop|"
                       r"nhom_tuong_dong|dv_21hd|tc_21hd|all_124|all_366|htxs|htt|excess|allowed|share|status|"
                       r"basis|group_key|unit_code|year|subject|None|nan|NaN)\b")


def planted(demo_db):
    every = json.loads((demo_db.parent / "files" / "planted.json").read_text(encoding="utf-8"))
    out = []
    for p in every:
        if p["kind"] in PLANTED:
            htxs, htt = map(int, re.match(r"(\d+) đảng viên .* trên (\d+) Hoàn thành tốt", p["detail"]).groups())
            out.append({**p, "htxs": htxs, "htt": htt})
    assert out, "the demo plants quota breaches"
    return out


def table(at, column: str) -> pd.DataFrame | None:
    """The table on the page that has this column (flagged: "Kết luận"; repeat offenders: "Chuỗi năm liên tiếp dài
    nhất"; rules: "Mức kiểm chứng")."""
    return next((d.value for d in at.dataframe if column in d.value.columns), None)


def code(link: str) -> str:
    return re.search(r"don_vi=([^&]+)", link).group(1)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def number(text: str) -> int:
    return int(text.replace(".", ""))


def funnel(at) -> dict:
    return figures(at)[0]


def trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t.get("name") == name)


def click_point(at, unit_code: str):
    """What the browser sends when a point of the funnel is clicked: the chart's selection state (AppTest has no
    plotly interaction, so the widget state is written the way the frontend writes it)."""
    chart = at.get("plotly_chart")[0]
    data = json.loads(chart.proto.spec)["data"]
    ci, pi = next((i, j) for i, t in enumerate(data) if t.get("mode") == "markers"
                  for j, c in enumerate(t["customdata"]) if c[0] == unit_code)
    point = {"curve_number": ci, "point_number": pi, "point_index": pi, "x": data[ci]["x"][pi],
             "y": data[ci]["y"][pi], "customdata": data[ci]["customdata"][pi]}
    states = at._tree.get_widget_states()
    w = states.widgets.add()
    w.id = chart.proto.id
    w.string_value = json.dumps({"selection": {"points": [point], "point_indices": [pi], "box": [], "lasso": []}})
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


# ───────────── the demo: planted breaches, funnel, click, repeat offenders ─────────────

def test_every_planted_breach_is_flagged_with_its_rule_document_and_excess(open_app, demo_db):
    at = open_app(demo_db, "quota")
    assert at.title[0].value == "Vượt tỷ lệ xuất sắc"
    flagged = table(at, "Kết luận")
    members = flagged[(flagged["Đối tượng"] == "Đảng viên") & (flagged["Căn cứ số liệu"] == "hồ sơ từng đảng viên")]
    found = {(int(r["Năm"]), code(r["Nhóm / đơn vị"])): r for _, r in members.iterrows()}
    expected = planted(demo_db)
    assert set(found) == {(p["year"], p["unit_code"]) for p in expected}   # every planted breach, nothing else
    for p in expected:
        r = found[(p["year"], p["unit_code"])]
        allowed = math.floor(0.2 * p["htt"])                                 # 20% of HTT, rounded down
        assert (number(r["Số HTXS"]), number(r["Số HTT"])) == (p["htxs"], p["htt"])
        assert number(r["Số HTXS tối đa"].split(" ")[0]) == allowed
        assert number(r["Vượt"]) == p["htxs"] - allowed
        assert r["Kết luận"] == PLANTED[p["kind"]]
        assert DOCS[p["year"]] in r["Văn bản căn cứ"] and "20%" in r["Quy định áp dụng"]
        if p["year"] >= 2025:
            assert "25%" in r["Quy định áp dụng"]
            assert r["Số HTXS tối đa"].endswith(f"(đến {math.floor(0.25 * p['htt'])} nếu được cho phép)")
    # sorted by excess, each name a link to the unit's profile
    assert [number(v) for v in flagged["Vượt"]] == sorted((number(v) for v in flagged["Vượt"]), reverse=True)
    assert flagged["Nhóm / đơn vị"].str.match(r"^unit_profile\?don_vi=[^&]+.*&ten=.+").all()
    # the summary counts what the table lists
    m = metrics(at)
    assert number(m["Vượt tỷ lệ"]) == (flagged["Kết luận"] == "Vượt tỷ lệ").sum() > 0
    assert number(m["Cần được cho phép"]) == (flagged["Kết luận"] == PLANTED[
        "member_quota_needs_exception"]).sum() == 1
    assert number(m["Cần xem xét"]) == flagged["Kết luận"].str.startswith("Cần xem xét").sum()
    assert number(m["Nhóm đã đối chiếu"]) > len(flagged)
    assert "chưa có quy định về tỷ lệ" in texts(at).lower()                # 2017–2018: no rule, none invented


def test_the_funnel_has_exact_binomial_limits_around_the_quota(open_app, demo_db):
    at = open_app(demo_db, "quota", nam="2025")
    fig = funnel(at)
    names = [t["name"] for t in fig["data"]]
    assert {"Giới hạn 95%", "Giới hạn 99,8%", "Giới hạn theo quy định: 20% số HTT",
            "Mức tối đa khi được cho phép: 25%", "Vượt tỷ lệ", "Cần cấp có thẩm quyền cho phép",
            "Trong giới hạn"} <= set(names)
    assert "không cần hiệu chỉnh độ phân tán" in texts(at)                 # φ = 1: the limits are exact
    p0 = 0.2 / 1.2
    checked = 0
    for t in fig["data"]:
        if t["name"] not in ("Giới hạn 95%", "Giới hạn 99,8%"):
            continue
        upper = t["showlegend"]
        q = {"Giới hạn 95%": 0.975, "Giới hạn 99,8%": 0.999}[t["name"]]
        q = q if upper else 1 - q
        for x, y, (_, n) in zip(t["x"], t["y"], t["customdata"]):
            r = stats.binom.ppf(q, n, p0)                                      # scipy's exact binomial quantile
            f_r, f_prev = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
            limit = max(r - ((f_r - q) / (f_r - f_prev) if f_r > f_prev else 0.0), 0.0) / n
            limit = min(limit, 0.999999)
            assert y == pytest.approx(100 * limit / (1 - limit), rel=1e-9, abs=1e-9)
            assert x == pytest.approx(n * (1 - limit), rel=1e-9)
            checked += 1
    assert checked > 100
    # points coloured by verdict, hover in Vietnamese numbers
    over = trace(fig, "Vượt tỷ lệ")
    p = next(p for p in planted(demo_db) if p["year"] == 2025 and p["kind"] == "member_quota_exceeded")
    i = [c[0] for c in over["customdata"]].index(p["unit_code"])
    assert over["x"][i] == p["htt"] and over["y"][i] == pytest.approx(100 * p["htxs"] / p["htt"])
    share = f"{100 * p['htxs'] / p['htt']:.1f}".replace(".", ",")
    assert f"{p['htxs']} HTXS / {p['htt']} HTT = {share}%" in over["customdata"][i][1]
    colours = {trace(fig, n)["marker"]["color"] for n in ("Vượt tỷ lệ", "Cần cấp có thẩm quyền cho phép",
                                                          "Trong giới hạn")}
    assert len(colours) == 3
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["separators"] == ",."


def test_a_click_on_a_point_opens_the_profile_of_that_unit(open_app, demo_db):
    at = open_app(demo_db, "quota", nam="2025")
    p = next(p for p in planted(demo_db) if p["year"] == 2025 and p["kind"] == "member_quota_exceeded")
    name = next(r["Nhóm / đơn vị"] for _, r in table(at, "Kết luận").iterrows()
                if code(r["Nhóm / đơn vị"]) == p["unit_code"]).split("&ten=")[1]
    click_point(at, p["unit_code"])
    assert at.title[0].value == name                                          # the profile page of that unit
    assert at.query_params["don_vi"] in (p["unit_code"], [p["unit_code"]])
    assert not any(t.value == "Vượt tỷ lệ xuất sắc" for t in at.title)


def test_repeat_offenders_the_planted_unit_2021_to_2023(open_app, demo_db):
    offender = [p for p in planted(demo_db) if p["unit_code"] == "H01-X02"]
    assert sorted(p["year"] for p in offender) == [2021, 2022, 2023]
    excess = sum(p["htxs"] - math.floor(0.2 * p["htt"]) for p in offender)
    # ending 2025, the last three years hold only its 2023 breach: not a repeat offender there
    at = open_app(demo_db, "quota")
    rep = table(at, "Chuỗi năm liên tiếp dài nhất")
    assert rep is None or "H01-X02" not in " ".join(rep["Nhóm / đơn vị"])
    # the three years up to 2023 (the year chosen on the page)
    at = open_app(demo_db, "quota", nam="2023")
    rep = table(at, "Chuỗi năm liên tiếp dài nhất")
    row = next(r for _, r in rep.iterrows() if code(r["Nhóm / đơn vị"]) == "H01-X02" and r["Đối tượng"] == "Đảng viên")
    assert row["Số năm vượt (2021–2023)"] == "3 / 3 năm" and row["Chuỗi năm liên tiếp dài nhất"] == "3 năm (2021–2023)"
    assert number(row["Tổng số vượt (2021–2023)"]) == excess
    for p in offender:
        assert row[str(p["year"])].startswith(f"vượt {p['htxs'] - math.floor(0.2 * p['htt'])} · ")
    assert rep.index[rep["Nhóm / đơn vị"] == row["Nhóm / đơn vị"]][0] == 0   # 3 of 3 years: first
    # the whole range, chosen with the page's control (kept in the address)
    at = open_app(demo_db, "quota")
    control = next(s for s in at.get("segmented_control") if s.label == "Đơn vị vượt nhiều năm: xét trong")
    control.set_value("ca_giai_doan").run()
    assert at.query_params["xet_trong"] in ("ca_giai_doan", ["ca_giai_doan"])
    rep = table(at, "Chuỗi năm liên tiếp dài nhất")
    row = next(r for _, r in rep.iterrows() if code(r["Nhóm / đơn vị"]) == "H01-X02" and r["Đối tượng"] == "Đảng viên")
    assert row["Chuỗi năm liên tiếp dài nhất"] == "3 năm (2021–2023)" and row["2025"] == "—"


def test_the_year_and_the_verdict_are_page_choices_in_the_address(open_app, demo_db):
    at = open_app(demo_db, "quota", nam="2022")
    assert at.selectbox(key="w_nam").value == 2022
    assert set(table(at, "Kết luận")["Năm"]) == {"2022"}
    assert {c["hovertemplate"] for c in funnel(at)["data"] if c.get("mode") == "markers"}
    at.selectbox(key="w_nam").set_value(2025).run()
    assert at.query_params["nam"] in ("2025", ["2025"]) and set(table(at, "Kết luận")["Năm"]) == {"2025"}
    verdict = next(s for s in at.get("segmented_control") if s.label == "Kết luận")
    verdict.set_value("can_quyet_dinh").run()
    assert at.query_params["ket_luan"] in ("can_quyet_dinh", ["can_quyet_dinh"])
    assert set(table(at, "Kết luận")["Kết luận"]) == {"Cần cấp có thẩm quyền cho phép"}
    # the same address opens the same view
    again = open_app(demo_db, "quota", nam="2025", ket_luan="can_quyet_dinh")
    pd.testing.assert_frame_equal(table(again, "Kết luận"), table(at, "Kết luận"))
    # the sidebar's subject replaces the funnel's own choice of subject
    at = open_app(demo_db, "quota", doi_tuong="chi_bo")
    assert not any(s.label == "Đối tượng của biểu đồ" for s in at.get("segmented_control"))
    assert "Số chi bộ Hoàn thành tốt nhiệm vụ" in funnel(at)["layout"]["xaxis"]["title"]["text"]
    assert set(table(at, "Kết luận")["Đối tượng"]) == {"Chi bộ trực thuộc"}


@pytest.fixture
def files(monkeypatch):
    """The bytes behind a download button (files are made on click: run the button's callable as the server does)."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test
    managers, stores = [], []

    class KeepManager(MediaFileManager):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            managers.append(self)

    class KeepStorage(MemoryMediaFileStorage):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            stores.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", KeepManager)
    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", KeepStorage)

    def get(button) -> bytes:
        url = managers[-1].execute_deferred(button.proto.deferred_file_id)
        return stores[-1].get_file(url.rsplit("/", 1)[-1]).content
    return get


def test_downloads_hold_exactly_what_is_shown_and_state_their_filters(open_app, demo_db, files):
    at = open_app(demo_db, "quota", nam="2023")
    buttons = {b.key: b for b in at.get("download_button")}
    assert {"dl_quota_flagged_csv", "dl_quota_flagged_xlsx", "dl_quota_repeat_csv", "dl_quota_repeat_xlsx",
            "dl_quota_rules_csv", "dl_quota_rules_xlsx"} <= set(buttons)
    shown = table(at, "Kết luận")
    text = files(buttons["dl_quota_flagged_csv"]).decode("utf-8-sig")
    first = text.splitlines()[0]
    assert first.startswith("Bộ lọc: Đơn vị (gồm đơn vị trực thuộc): Tỉnh ủy Minh Sơn; Năm đánh giá: 2023; "
                            "Đối tượng: mọi đối tượng")
    csv = pd.read_csv(io.StringIO(text), skiprows=3, dtype=str, keep_default_na=False)
    expected = shown.assign(**{"Nhóm / đơn vị": shown["Nhóm / đơn vị"].str.split("&ten=").str[1]})
    pd.testing.assert_frame_equal(csv, expected.reset_index(drop=True), check_dtype=False)
    wb = openpyxl.load_workbook(io.BytesIO(files(buttons["dl_quota_flagged_xlsx"])))
    assert wb.sheetnames == ["Thông tin", "Nhóm vượt giới hạn"]
    rows = list(wb["Nhóm vượt giới hạn"].values)
    assert list(rows[0]) == list(shown.columns) and len(rows) == 1 + len(shown)
    repeat = files(buttons["dl_quota_repeat_csv"]).decode("utf-8-sig")
    assert "Vượt ít nhất hai năm trong: 2021–2023" in repeat.splitlines()[0]
    assert "Đảng bộ xã Hòa Bình" in repeat and "3 năm (2021–2023)" in repeat
    png = [b for b in at.get("download_button") if b.key == "dl_quota_funnel_png"]
    if png:                                                     # Chromium present: the chart as an image
        assert files(png[0]).startswith(b"\x89PNG")
    else:
        assert "Chưa xuất được ảnh biểu đồ" in texts(at)


# ───────────── seed 004: reported aggregates only ─────────────

def test_aggregates_over_the_limit_say_a_group_inside_exceeded(open_app, seed004_db):
    at = open_app(seed004_db, "quota")
    warning = " ".join(w.value for w in at.warning)
    assert "ít nhất một nhóm bên trong đã vượt tỷ lệ" in warning
    assert metrics(at)["Số liệu tổng hợp vượt"] == "14"
    flagged = table(at, "Kết luận").set_index(["Năm", "Đối tượng"])
    members = flagged.loc[("2020", "Đảng viên")]                         # 511 HTXS, 2,311 HTT
    assert (members["Số HTXS"], members["Số HTT"], members["Số HTXS tối đa"], members["Vượt"]) == (
        "511", "2.311", "462", "49")
    assert members["HTXS/HTT"] == "22,1%" and members["HTXS/tổng số"] == "17,3%"
    # the verdict itself says what a total proves (issue 23): a group inside exceeded, not the district
    assert members["Kết luận"] == "Ít nhất một nhóm bên trong vượt tỷ lệ"
    assert "ít nhất một nhóm bên trong" in members["Căn cứ số liệu"]
    organizations = flagged.loc[("2019", "Tổ chức cơ sở đảng")]          # 12 vs 45 HTT → at most 9, 3 over
    assert (organizations["Số HTXS"], organizations["Số HTT"], organizations["Số HTXS tối đa"],
            organizations["Vượt"]) == ("12", "45", "9", "3")
    assert organizations["Kết luận"] == "Cần xem xét (quy định chưa kiểm chứng)"
    assert "2018" not in set(flagged.index.get_level_values(0))           # no rule in 2018: not judged
    fig = funnel(at)
    assert set(trace(fig, "Vượt tỷ lệ")["marker"]["symbol"]) == {"diamond"}
    rep = table(at, "Chuỗi năm liên tiếp dài nhất")
    row = next(r for _, r in rep.iterrows() if r["Đối tượng"] == "Đảng viên")
    assert row["Chuỗi năm liên tiếp dài nhất"] == "3 năm (2020–2022)" and number(row["Tổng số vượt (2020–2022)"]) == 151
    assert "ít nhất một nhóm bên trong" in row["Ghi chú"]


# ───────────── empty states, words ─────────────

@pytest.fixture(scope="module")
def quiet_db(tmp_path_factory):
    """One grassroots organization: members rated in 2018 (no rule yet) and in 2021 (1 HTXS for 5 HTT: within)."""
    d = tmp_path_factory.mktemp("quiet")
    units = write_csv(d / "u.csv", [UNITS_HEADER, ["X", "Đảng bộ xã Thử", "Đảng bộ cơ sở", "", "", "", ""],
                                    ["X-1", "Chi bộ thôn Một", "Chi bộ trực thuộc", "", "X", "", ""]])
    rated = [[2018, "A", "X-1", "HTXS"], [2018, "B", "X-1", "HTT"]] + [
        [2021, m, "X-1", "HTT"] for m in "ABCDE"] + [[2021, "F", "X-1", "HTXS"]]
    members = write_csv(d / "m.csv", [["Năm", "Mã đảng viên", "Mã chi bộ", "Xếp loại"], *rated])
    assert load_files([units, members], d / "kho.duckdb").exit_code == 0
    return d / "kho.duckdb"


def test_clear_empty_states(open_app, quiet_db, tmp_path):
    at = open_app(quiet_db, "quota")
    infos = " ".join(i.value for i in at.info)
    assert "Không có nhóm nào vượt tỷ lệ HTXS trong 2018–2021." in infos
    assert "Không có nhóm nào vượt tỷ lệ từ hai năm trở lên" in infos
    assert metrics(at)["Nhóm đã đối chiếu"] != "0" and metrics(at)["Vượt tỷ lệ"] == "0"
    at = open_app(quiet_db, "quota", nam="2018")
    assert any("chưa có quy định nào về tỷ lệ HTXS" in i.value for i in at.info)
    assert not at.get("plotly_chart") and table(at, "Kết luận") is None
    at = open_app(tmp_path / "khong_co.duckdb", "quota")
    assert any("Chưa có số liệu" in i.value for i in at.info)


def test_only_vietnamese_words_and_formatted_numbers(open_app, demo_db, seed004_db):
    for at in (open_app(demo_db, "quota"), open_app(demo_db, "quota", nam="2023"), open_app(seed004_db, "quota")):
        shown = [texts(at), *metrics(at), *metrics(at).values(), *(w.value for w in at.warning)]
        for d in at.dataframe:
            df = d.value
            shown += list(df.columns)
            assert all(isinstance(v, str) for v in df.to_numpy().ravel())          # numbers written as text
            for c in df.columns:
                cells = df[c] if "Nhóm / đơn vị" != c else df[c].str.split("&ten=").str[1]
                shown += list(cells)
                if c not in ("Năm", "Nhóm / đơn vị", "Văn bản căn cứ"):
                    assert not cells.str.fullmatch(r"\d{4,}").any(), c          # thousands are grouped: "2.311"
        for fig in figures(at):
            shown += [t["name"] for t in fig["data"]] + [fig["layout"]["xaxis"]["title"]["text"],
                      fig["layout"]["yaxis"]["title"]["text"]]
            shown += [c[1] if isinstance(c[1], str) else c[0] for t in fig["data"] for c in t.get("customdata", [])]
        bad = [s for s in shown if RAW_CODES.search(str(s).replace("data/reference/quota_rules.csv", ""))]
        assert not bad, bad[:5]
