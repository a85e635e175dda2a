"""AppTest of pages/shortcomings.py ("Hạn chế, khuyết điểm tái diễn") in the real app (app.py, st.navigation)."""
from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from etl import warehouse
from queries import runner
from tests.pages.conftest import figures, texts

RAW_CODES = re.compile(r"\b(chua_khac_phuc|dang_khac_phuc|da_khac_phuc|cung_han_che|khac_han_che|tu_dong|xac_nhan|"
                       r"cho_xem_xet|lien_ket|vi_pham|can_xem_xet|chat_luong_kiem_diem|khac)\b")
PLANTED_UNIT = "TU-MS-CS01"


def query(db, name, **params) -> pd.DataFrame:
    con = warehouse.connect_readonly(db)
    try:
        return runner.run(con, name, params)
    finally:
        con.close()


def shown_tables(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def no_raw_codes(at) -> None:
    assert not RAW_CODES.search(texts(at)), RAW_CODES.search(texts(at))
    for df in shown_tables(at):
        cells = " ".join(map(str, df.columns)) + " " + " ".join(str(v) for v in df.to_numpy().ravel())
        cells = re.sub(r"https?://\S+|\S+\?\S+", " ", cells)        # links carry codes in their address
        assert not RAW_CODES.search(cells), RAW_CODES.search(cells)


@pytest.fixture(scope="module")
def planted_chain(demo_db) -> str:
    rec = query(demo_db, "recurring_shortcomings", unit=PLANTED_UNIT)
    return rec.loc[(rec["unit_code"] == PLANTED_UNIT) & (rec["years"] == 4), "chain_id"].iloc[0]


def test_overview_trend_longest_chains_and_366_on_the_demo(open_app, demo_db):
    at = open_app(demo_db, "shortcomings")
    shown = texts(at)
    assert "Hạn chế, khuyết điểm tái diễn" in shown and "366-QĐ/TW" in shown
    fig = figures(at)[0]
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert len(bars) >= 8 and any(t["name"].startswith("Chất lượng tự phê bình") for t in bars)
    assert fig["layout"]["separators"] == ",."
    trend, top, flags = shown_tables(at)[:3]
    assert trend["Nhóm hạn chế"].iloc[-1] == "Tổng số" and "2025" in trend.columns
    assert (top["Khắc phục gần nhất"] != "Đã khắc phục").all()
    assert top["Số năm"].astype(int).is_monotonic_decreasing
    planted = flags[flags["Đơn vị"].str.contains("Chi bộ Báo Minh Sơn")]
    assert len(planted) == 1 and planted["Mức"].iloc[0] == "Vi phạm" and planted["Năm xếp loại"].iloc[0] == "2025"
    assert len(at.get("download_button")) >= 4
    no_raw_codes(at)


def test_planted_chain_texts_side_by_side(open_app, demo_db, planted_chain):
    at = open_app(demo_db, "shortcomings", xem="lap_lai", chuoi=planted_chain)
    chains = shown_tables(at)[0]
    assert {"Đơn vị", "Nhóm hạn chế", "Từ năm", "Đến năm", "Số năm", "Liên tiếp", "Khắc phục gần nhất"} <= set(chains)
    assert at.selectbox(key="w_chuoi").value == planted_chain
    expected = query(demo_db, "shortcoming_chain", chain=planted_chain)
    md = [str(m.value) for m in at.markdown]
    for year, text in zip(expected["year"], expected["text"]):
        assert f"**{year}** · Chi bộ Báo Minh Sơn" in md and text in md
    captions = [str(c.value) for c in at.caption]
    assert "Năm đầu của chuỗi" in captions
    assert sum(c.startswith("Lời văn giống năm ") for c in captions) == 3
    assert sum("Chưa khắc phục" in c for c in captions) == 4
    no_raw_codes(at)


def test_filters_of_the_recurrence_table(open_app, demo_db):
    at = open_app(demo_db, "shortcomings", xem="lap_lai", nhom="xep_loai", tinh_trang="chua")
    chains = shown_tables(at)[0]
    assert len(chains) and set(chains["Nhóm hạn chế"]) == {"Đánh giá, xếp loại chưa thực chất; tỷ lệ xuất sắc còn cao"}
    assert (chains["Khắc phục gần nhất"] != "Đã khắc phục").all()
    # the sidebar's unit narrows it to a subtree
    at = open_app(demo_db, "shortcomings", xem="lap_lai", don_vi=PLANTED_UNIT)
    assert set(shown_tables(at)[0]["Đơn vị"].map(lambda s: s.rsplit("ten=", 1)[-1])) == {"Chi bộ Báo Minh Sơn"}


def test_one_unit_years_by_categories(open_app, demo_db):
    at = open_app(demo_db, "shortcomings", xem="don_vi", dv_han_che=PLANTED_UNIT)
    assert "Hạn chế của Chi bộ Báo Minh Sơn theo năm và nhóm" in texts(at)
    grid = shown_tables(at)[0].set_index("Nhóm hạn chế")
    row = grid.loc[next(i for i in grid.index if i.startswith("Chất lượng tự phê bình"))]
    assert row["2022"] == "1"                                  # the first year of the planted chain
    assert all(row[y].endswith("↻") for y in ("2023", "2024", "2025"))
    assert "↻" in texts(at) and "chưa khắc phục" in texts(at)
    no_raw_codes(at)


def test_review_queue_confirm_is_saved_with_the_reviewer_and_read_back(open_app, demo_db, tmp_path):
    db = tmp_path / "kho.duckdb"
    shutil.copy2(demo_db, db)
    queue = query(db, "shortcoming_review_queue", unit="TU-MS", from_year=2017, to_year=2025)
    at = open_app(db, "shortcomings", xem="xac_nhan")
    editor = at.data_editor[0]
    assert len(editor.value) == len(queue) and list(editor.value["Nội dung năm trước"]) == list(queue["text_from"])
    at.session_state["sc_queue_0"] = {"edited_rows": {0: {"Quyết định": "Cùng một hạn chế"},
                                                      1: {"Quyết định": "Hai hạn chế khác nhau"}},
                                      "added_rows": [], "deleted_rows": []}
    at.text_input(key="sc_reviewer").input("Nguyễn Thị Kiểm")
    at.run()
    assert at.button(key="sc_save").label == "Lưu 2 quyết định"
    at.button(key="sc_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Đã lưu 2 quyết định." in [s.value for s in at.success]
    # read back: both pairs left the queue (a rejected link may free a shortcoming for another pair, which then
    # enters it), the decisions table shows who and what
    after = query(db, "shortcoming_review_queue", unit="TU-MS", from_year=2017, to_year=2025)
    decided = {(queue.iloc[i]["from_id"], queue.iloc[i]["to_id"]) for i in (0, 1)}
    assert not decided & set(zip(after["from_id"], after["to_id"]))
    assert list(at.data_editor[0].value["Nội dung năm sau"]) == list(after["text_to"])
    decisions = shown_tables(at)[-1]
    assert list(decisions["Người xem xét"]) == ["Nguyễn Thị Kiểm"] * 2
    assert set(decisions["Quyết định"]) == {"Cùng một hạn chế", "Hai hạn chế khác nhau"}
    stored = query(db, "shortcoming_decisions").set_index(["from_id", "to_id"])
    first, second = queue.iloc[0], queue.iloc[1]
    assert stored.loc[(first["from_id"], first["to_id"]), "decision"] == "cung_han_che"
    assert stored.loc[(second["from_id"], second["to_id"]), "decision"] == "khac_han_che"
    assert set(stored["decided_by"]) == {"Nguyễn Thị Kiểm"}
    chain = query(db, "shortcoming_chain", chain=query(db, "recurring_shortcomings", unit=first["unit_code"])
                  .pipe(lambda r: r.loc[r["texts"].str.contains(first["text_to"], regex=False), "chain_id"].iloc[0]))
    assert chain.set_index("item_id").at[first["to_id"], "basis"] == "xac_nhan"
    # the session's warehouse was never written
    assert query(demo_db, "shortcoming_decisions").empty
    no_raw_codes(at)


def test_a_wrongly_linked_year_is_taken_out_of_its_chain(open_app, demo_db, planted_chain, tmp_path):
    db = tmp_path / "kho.duckdb"
    shutil.copy2(demo_db, db)
    at = open_app(db, "shortcomings", xem="lap_lai", chuoi=planted_chain)
    last = query(db, "shortcoming_chain", chain=planted_chain).iloc[-1]
    at.selectbox(key="sc_split_pick").select(last["item_id"])
    at.text_input(key="sc_split_reviewer").input("Lê Văn Soát")
    at.button(key="sc_split").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Đã ghi 3 quyết định “hai hạn chế khác nhau”." in [s.value for s in at.success]
    chain = query(db, "shortcoming_chain", chain=planted_chain)
    assert list(chain["year"]) == [2022, 2023, 2024]
    dec = query(db, "shortcoming_decisions")
    assert len(dec) == 3 and set(dec["decided_by"]) == {"Lê Văn Soát"} and set(dec["to_id"]) == {last["item_id"]}


def test_suggestions_and_whether_they_came_back(open_app, demo_db):
    at = open_app(demo_db, "shortcomings", xem="goi_y")
    metrics = {m.label: m.value for m in at.metric}
    sug = query(demo_db, "shortcoming_suggestions", unit="TU-MS")
    assert metrics["Gợi ý kiểm điểm"] == str(len(sug))
    table = shown_tables(at)[0]
    assert len(table) == len(sug)
    assert set(table["Kiểm điểm năm đó đã nêu"].str.split(":").str[0]) <= {"Có", "Chưa thấy nêu"}
    planted = table[table["Đơn vị"].str.contains("Chi bộ Báo Minh Sơn")]
    assert len(planted) >= 1 and planted["Nội dung gợi ý"].str.contains("khắc phục").all()
    no_raw_codes(at)


def test_empty_states_on_the_standing_committee_warehouse(open_app, sc_db):
    at = open_app(sc_db, "shortcomings", xem="lap_lai")
    assert "Không có hạn chế nào lặp lại qua hai kỳ kiểm điểm trở lên" in texts(at)
    at = open_app(sc_db, "shortcomings")
    flags = shown_tables(at)[-1]
    assert list(flags["Đơn vị"].map(lambda s: s.rsplit("ten=", 1)[-1])) == ["Đảng bộ xã Bình Minh"]
    assert "Không có hạn chế nào lặp lại mà chưa khắc phục." in texts(at)
    at = open_app(sc_db, "shortcomings", tu_nam=2022, den_nam=2022)
    assert "Không có hạn chế, khuyết điểm nào được ghi nhận" in texts(at)
    at = open_app(sc_db, "shortcomings", xem="xac_nhan")
    assert "Chưa có quyết định nào." in texts(at) and len(at.data_editor) == 1
    no_raw_codes(at)
