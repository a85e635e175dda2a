"""AppTest of the import page's step "Chọn đơn vị cho tên chưa nhận ra" (ui/alias_picker.py, issue 21): a summary sheet
whose names match no unit or two units is checked, the clerk picks each unit on the page (the candidates first, a
search over the catalogue), "Ghi nhớ tên này" remembers the name (logged in the audit log), and the re-check loads
every row, checked through the `distribution` query."""
from __future__ import annotations

import io

import pytest

from operations import audit
from operations.load import load_files
from queries import runner, scope
from tests.etl import summary_sheets as ss
from ui.downloads import XLSX

PROBLEMS = ["Tệp", "Trang", "Dòng", "Cột", "Giá trị", "Lý do"]


@pytest.fixture
def kho(tmp_path, monkeypatch):
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
    db = tmp_path / "kho.duckdb"
    assert all(not f.error for f in load_files(ss.catalogue_files(tmp_path), db).files)
    return db


def run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "success")
                     for e in at.get(kind)).replace("\u2060", "").replace("\\", "")


def sheet_bytes(tmp_path) -> bytes:
    sheet = ss.Sheet(units=[
        ss.Unit("Đảng bộ xã Tân Lập", 100, 100, [20, 70, 10, 0]),            # TL1 or TL2
        ss.Unit("ĐB Cơ quan Huyện Hòa Bình", 58, 55, [10, 38, 6, 1]),        # no unit of that name
        ss.Unit("Đảng bộ thị trấn Hòa Bình", "2.310", "2.208", [400, "1.700", 100, 8]),
    ])
    return ss.write(tmp_path / "bieu_2024.xlsx", sheet).read_bytes()


def pickers(at) -> dict[str, object]:
    """The unit choice of each rejected name, by the name the step shows above it."""
    boxes = [s for s in at.selectbox if str(s.key).startswith("alias_pick_")]
    names = [m.value.replace("\u2060", "").replace("\\", "") for m in at.markdown if str(m.value).startswith("Tên **")]
    assert len(boxes) == len(names)
    return {n.split("**")[1]: b for n, b in zip(names, boxes)}


def distribution(db, code: str) -> tuple:
    con = scope.connect(db)
    try:
        d = runner.run(con, "distribution", {"unit": code, "year": 2024, "subject": "dang_vien"})
    finally:
        con.close()
    return tuple(int(d.iloc[0][c]) for c in ("htxs", "htt", "ht", "khtnv", "total")) if len(d) else ()


def test_the_clerk_picks_the_units_and_the_recheck_loads_every_row(open_app, kho, tmp_path):
    at = open_app(kho)
    at.switch_page("pages/import.py")
    run(at)
    at.file_uploader(key="imp_files").set_value([("bieu_2024.xlsx", sheet_bytes(tmp_path), XLSX)])
    run(at)
    at.button(key="imp_check").click()
    run(at)
    problems = next(d.value for d in at.dataframe if list(d.value.columns) == PROBLEMS)
    assert sorted(problems["Dòng"]) == [10, 11]
    assert "Chọn đơn vị cho tên chưa nhận ra (2)" in texts(at)
    picks = pickers(at)
    assert set(picks) == {"Đảng bộ xã Tân Lập", "ĐB Cơ quan Huyện Hòa Bình"}
    tan_lap, co_quan = picks["Đảng bộ xã Tân Lập"], picks["ĐB Cơ quan Huyện Hòa Bình"]
    assert tan_lap.options[0] == "— chọn đơn vị —"
    assert tan_lap.options[1].startswith("Gợi ý: TL1 (Đảng bộ xã Tân Lập, thuộc Huyện ủy Hòa Bình")
    assert tan_lap.options[2].startswith("Gợi ý: TL2 (Đảng bộ xã Tân Lập, thuộc Huyện ủy Kim Sơn")
    assert co_quan.options[1].startswith("Gợi ý: CQ (")
    save = [b for b in at.button if str(b.key).startswith("alias_save_")]
    assert len(save) == 2 and all(b.disabled for b in save)           # nothing picked yet

    # the search over the whole catalogue adds units that are not candidates
    search = next(t for t in at.text_input if t.key == tan_lap.key.replace("alias_pick_", "alias_search_"))
    search.input("kim son")
    run(at)
    tan_lap = pickers(at)["Đảng bộ xã Tân Lập"]
    assert "Huyện ủy Kim Sơn · H2" in tan_lap.options
    tan_lap.set_value("TL2")
    run(at)
    assert pickers(at)["Đảng bộ xã Tân Lập"].value == "TL2"
    assert not at.button(key=tan_lap.key.replace("alias_pick_", "alias_save_")).disabled
    at.button(key=tan_lap.key.replace("alias_pick_", "alias_save_")).click()
    run(at)
    assert "Đã ghi nhớ: tên 'Đảng bộ xã Tân Lập' là đơn vị TL2" in texts(at)
    assert not [b for b in at.button if b.key == "imp_commit"]         # the old check is gone: check again

    at.button(key="imp_check").click()
    run(at)
    picks = pickers(at)
    assert set(picks) == {"ĐB Cơ quan Huyện Hòa Bình"}                  # Tân Lập is now known
    picks["ĐB Cơ quan Huyện Hòa Bình"].set_value("CQ")
    run(at)
    at.button(key=picks["ĐB Cơ quan Huyện Hòa Bình"].key.replace("alias_pick_", "alias_save_")).click()
    run(at)
    assert "là đơn vị CQ" in texts(at)

    at.button(key="imp_check").click()
    run(at)
    assert not any(list(d.value.columns) == PROBLEMS for d in at.dataframe)
    assert not pickers(at)
    commit = [b for b in at.button if b.key == "imp_commit"]
    assert commit and commit[0].label == "Nạp 3 dòng vào kho", texts(at)
    commit[0].click()
    run(at)
    assert "Đã nạp 3 dòng vào kho." in texts(at)
    assert distribution(kho, "TL2") == (20, 70, 10, 0, 100)
    assert distribution(kho, "TL1") == ()
    assert distribution(kho, "CQ") == (10, 38, 6, 1, 55)
    assert distribution(kho, "TTHB") == (400, 1700, 100, 8, 2208)
    logged = [e for e in audit.read() if e["action"] == "ghi_nho_ten_don_vi"]
    assert [e["what"] for e in logged] == ["Đảng bộ xã Tân Lập", "ĐB Cơ quan Huyện Hòa Bình"]


def test_a_sheet_whose_names_all_match_offers_no_choice(open_app, kho, tmp_path):
    at = open_app(kho)
    at.switch_page("pages/import.py")
    run(at)
    data = ss.write(tmp_path / "bieu.xlsx", ss.office_2024()).read_bytes()
    at.file_uploader(key="imp_files").set_value([("bieu.xlsx", data, XLSX)])
    run(at)
    at.button(key="imp_check").click()
    run(at)
    assert not pickers(at) and "Chọn đơn vị cho tên" not in texts(at)
