"""AppTest of the import page's section "Số liệu viết thành câu" (issue 21, item 4; ui/sentence_import.py) in the real
app: a paragraph is pasted, the numbers read are shown with the words they came from, nothing is written until the
clerk confirms, and then the one loader writes exactly those numbers (read back with the `distribution` query)."""
from __future__ import annotations

import shutil

import pytest

from operations import audit
from queries import runner, scope

PARAGRAPH = ("Năm 2021, toàn Đảng bộ tỉnh có 79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên, trong đó 16 hoàn "
             "thành xuất sắc nhiệm vụ (chiếm 20,25%); 2 hoàn thành nhiệm vụ; 1 không hoàn thành nhiệm vụ.")
# the levels add up to 82, the paragraph says 85: a warning, but the clerk may still confirm what was read
CONTRADICTION = ("Năm 2021 có 85 tổ chức cơ sở đảng được đánh giá, xếp loại; 79 tổ chức cơ sở đảng hoàn thành tốt "
                 "nhiệm vụ trở lên, trong đó 16 hoàn thành xuất sắc nhiệm vụ; 2 hoàn thành nhiệm vụ; 1 không hoàn "
                 "thành nhiệm vụ.")
# two different counts for one level: that level is left blank and the confirmation is not offered
TWO_COUNTS = ("Năm 2021 có 16 tổ chức cơ sở đảng hoàn thành xuất sắc nhiệm vụ, 63 hoàn thành tốt nhiệm vụ, 2 hoàn thành "
              "nhiệm vụ, 1 không hoàn thành nhiệm vụ; riêng mức hoàn thành xuất sắc nhiệm vụ: 18 tổ chức cơ sở đảng.")


@pytest.fixture
def kho(sc_db, tmp_path, monkeypatch):
    db = tmp_path / "kho.duckdb"
    shutil.copy(sc_db, db)
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
    return db


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def distribution(db, subject="tccsd", year=2021):
    con = scope.connect(db)
    try:
        return runner.run(con, "distribution", {"unit": "T", "year": year, "subject": subject})
    finally:
        con.close()


def warnings(at) -> list[str]:
    """The section's warnings (the app's own banner — open mode — left out)."""
    return [str(w.value) for w in at.warning if "Chế độ dùng thử" not in str(w.value)]


def readings(at):
    return next(d.value for d in at.dataframe if "Từ câu" in d.value.columns)


def editor(at):
    """The table of the numbers to load (st.data_editor), as shown."""
    return next(d.value for d in at.dataframe if "Đọc từ" in d.value.columns)


def paste(open_app, db, text):
    at = open_app(db)
    ok(at.switch_page("pages/import.py").run())
    assert "Số liệu viết thành câu" in [e.label for e in at.expander]
    assert not [b for b in at.button if b.key == "snt_commit"]        # nothing offered before a paragraph
    ok(at.text_area(key="snt_text").set_value(text).run())
    return at


def test_paste_read_confirm_load(open_app, kho):
    at = paste(open_app, kho, PARAGRAPH)
    # what was read, each with its words; year and subject prefilled from the paragraph
    shown = readings(at)
    assert shown["Số lượng"].tolist() == ["79", "16", "2", "1"]
    assert shown["Từ câu"].tolist()[:2] == ["79 tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên",
                                            "16 hoàn thành xuất sắc nhiệm vụ (chiếm 20,25%)"]
    assert shown["Tỷ lệ ghi trong câu"].tolist()[1] == "20,25%"
    assert at.selectbox(key="snt_subject").value == "tccsd"
    assert at.number_input(key="snt_year").value == 2021
    table = editor(at)
    assert table["Số lượng"].tolist()[:4] == [16, 63, 2, 1]
    assert table["Đọc từ"].tolist()[1] == "tính: 79 trở lên − 16 = 63"
    assert not warnings(at)
    # no unit yet: the confirmation waits, nothing written
    assert at.button(key="snt_commit").disabled
    assert any("Còn thiếu: đơn vị" in i.value for i in at.info)
    assert distribution(kho).empty

    ok(at.text_input(key="snt_unit_search").set_value("son ha").run())     # the catalogue's unit, found by name
    assert at.selectbox(key="snt_unit").options == ["Tỉnh ủy Sơn Hà · T"]
    ok(at.selectbox(key="snt_unit").set_value("T").run())
    assert not at.button(key="snt_commit").disabled
    assert distribution(kho).empty                                        # still nothing before the confirmation
    ok(at.button(key="snt_commit").click().run())
    assert any("Đã nạp 1 dòng vào kho từ đoạn văn" in s.value for s in at.success)
    got = distribution(kho)
    assert got[["htxs", "htt", "ht", "khtnv", "total"]].iloc[0].tolist() == [16, 63, 2, 1, 82]
    assert got["not_rated"].isna().all()
    history = next(d.value for d in at.dataframe if "Lần nạp" in d.value.columns)
    assert history.iloc[0]["Tệp"].startswith("so_lieu_viet_thanh_cau_T_2021")
    assert "số liệu viết thành câu" in history.iloc[0]["Ghi chú"]
    assert any(e["action"] == "nap" and e["what"].startswith("so_lieu_viet_thanh_cau") for e in audit.read())

    # confirmed again: the loader's idempotence — nothing changes
    ok(at.button(key="snt_commit").click().run())
    assert any("Không có gì được ghi vào kho" in w for w in warnings(at))
    assert distribution(kho)[["htxs", "htt", "ht", "khtnv"]].iloc[0].tolist() == [16, 63, 2, 1]


def test_contradiction_is_shown_and_nothing_written_until_confirmed(open_app, kho):
    at = paste(open_app, kho, CONTRADICTION)
    assert any("khác tổng số ghi trong đoạn văn (85)" in w for w in warnings(at))
    assert editor(at)["Số lượng"].tolist()[:4] == [16, 63, 2, 1]
    ok(at.text_input(key="snt_unit_search").set_value("T").run())
    ok(at.selectbox(key="snt_unit").set_value("T").run())
    ok(at.text_area(key="snt_text").set_value(CONTRADICTION + " ").run())   # reruns: still nothing written
    assert distribution(kho).empty
    ok(at.button(key="snt_commit").click().run())                          # the clerk confirms what was read
    assert distribution(kho)[["htxs", "htt", "ht", "khtnv", "total"]].iloc[0].tolist() == [16, 63, 2, 1, 82]


def test_two_counts_for_a_level_leave_it_to_the_clerk(open_app, kho):
    at = paste(open_app, kho, TWO_COUNTS)
    assert any("Hai số khác nhau cho mức “Hoàn thành xuất sắc nhiệm vụ”" in w for w in warnings(at))
    table = editor(at)
    assert table["Số lượng"].isna().tolist()[:4] == [True, False, False, False]
    assert table["Số lượng"].tolist()[1:4] == [63, 2, 1]
    ok(at.selectbox(key="snt_unit").set_value("T").run())
    assert at.button(key="snt_commit").disabled                            # a level is missing: not loadable
    assert any("số “Hoàn thành xuất sắc nhiệm vụ”" in i.value for i in at.info)
    assert distribution(kho).empty
