"""Issue 21, item 3 in a real browser (Debian's chromium through Playwright, the server as `make run` serves it): a
province's own layout that no profile knows is uploaded and refused with how to teach it; the clerk teaches it on the
file (picks columns, previews through the loader's dry run), saves the profile — into a temporary $KIEMDIEM_PROFILES
of the served app, never the repository's data/profiles — loads the file, then a second file of the same form loads
with no questions. The numbers are read back with the `distribution` query from outside the server."""
from __future__ import annotations

import tomllib

import pytest

from operations.load import load_files
from queries import runner, scope
from tests.browser import steps
from tests.etl import province_sheets as ps
from tests.etl import summary_sheets as ss
from tools import serve

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPO_PROFILES = ps.ROOT / "data" / "profiles"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("day_mau_bieu")
    db = folder / "kho.duckdb"
    assert all(not f.error for f in load_files(ss.catalogue_files(folder), db).files)   # the units the files name
    profiles = folder / "mau_bieu"
    env = {"KIEMDIEM_ACCOUNTS": str(folder / "khong_co.toml"), "KIEMDIEM_AUDIT": str(folder / "audit.jsonl"),
           "KIEMDIEM_PROFILES": str(profiles)}
    with serve.serve(db, env=env) as url:
        yield url, db, profiles, folder


def distribution(db, year: int) -> dict:
    con = scope.connect(db)
    try:
        out = {}
        for code in ps.CODES:
            d = runner.run(con, "distribution", {"unit": code, "year": year, "subject": "dang_vien"})
            if d.empty:
                continue
            row = d.iloc[0]
            out[code] = tuple(int(row[c]) for c in ("htxs", "htt", "ht", "khtnv", "total"))
        return out
    finally:
        con.close()


def upload(page, name: str, data: bytes) -> None:
    while page.locator("[data-testid='stFileChipDeleteBtn']").count():     # the earlier file goes first
        page.locator("[data-testid='stFileChipDeleteBtn']").first.click()
        serve.settled(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.locator("[data-testid='stFileChipName']", has_text=name).wait_for()
    serve.settled(page)


def click(page, label: str) -> None:
    button = page.get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    button.click()
    serve.settled(page)


def type_in(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.scroll_into_view_if_needed()
    box.fill(text)
    box.press("Tab")                         # Streamlit takes a text box's value when it loses focus
    serve.settled(page)


def test_teach_save_and_load_two_files_of_a_new_form_in_a_browser(app, page):
    url, db, profiles, folder = app
    before = sorted(p.name for p in REPO_PROFILES.iterdir())
    page.goto(f"{url}/import")
    serve.settled(page)
    assert steps.h1(page) == "Nhập dữ liệu"

    upload(page, "bieu_tinh_2024.xlsx", ps.write(folder / "a.xlsx", 2024).read_bytes())
    click(page, "Kiểm tra tệp")
    page.get_by_text("Dạy hệ thống đọc biểu này").wait_for()
    assert "Các vấn đề cần sửa (1)" in steps.main_text(page)          # the refusal, with how to teach it
    assert distribution(db, 2024) == {}

    # the clerk picks on the sheet: the unit column, each level's count column (the guess is only a proposal)
    steps.pick(page, "Cột tên đơn vị", "B · Cơ sở đảng")
    serve.settled(page)
    for level, column in zip(("Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ",
                              "Không hoàn thành nhiệm vụ"), "DEFG"):
        heading = ps.LEVEL_HEADINGS["DEFG".index(column)]
        steps.pick(page, f"Số lượng — {level}", f"{column} · Kết quả xếp loại — {heading}")
        serve.settled(page)
    steps.pick(page, "Cột số được đánh giá, xếp loại", "C · Số được xếp loại")
    serve.settled(page)
    assert "Lấy từ tiêu đề biểu (2024)" in steps.main_text(page)

    click(page, "Xem trước số liệu theo mẫu này")
    page.get_by_text("Xem trước số liệu sẽ được nạp").first.wait_for()
    loadable = page.locator("[data-testid='stMetric']").filter(has_text="Có thể nạp").last.inner_text()
    assert loadable.split() == ["Có", "thể", "nạp", "4"]            # the preview's own figures: four units
    assert not profiles.exists()                                   # a preview writes nothing

    type_in(page, "Tên mẫu biểu (tên tệp: chữ thường không dấu, số, dấu _)", "bieu_tinh_lam_ha")
    type_in(page, "Tên biểu (tiếng Việt)", "Tổng hợp xếp loại đảng viên (tỉnh Lâm Hà)")
    type_in(page, "Mô tả (tiếng Việt): biểu của ai, dùng khi nào",
            "Biểu của Ban Tổ chức tỉnh Lâm Hà: mỗi cơ sở đảng một dòng, chỉ có số lượng.")
    click(page, "Lưu mẫu biểu")
    page.get_by_text("Đã lưu mẫu biểu 'bieu_tinh_lam_ha'").wait_for()
    saved = tomllib.loads((profiles / "bieu_tinh_lam_ha.toml").read_text(encoding="utf-8"))
    assert saved["columns"]["unit"] == ["Cơ sở đảng"] and saved["title"] == "Tổng hợp xếp loại đảng viên (tỉnh Lâm Hà)"
    assert sorted(p.name for p in REPO_PROFILES.iterdir()) == before          # never into the repository

    # the same file: recognised by its header text, loaded
    click(page, "Kiểm tra tệp")
    page.get_by_text("Xem trước số liệu sẽ được nạp").wait_for()
    assert "Dạy hệ thống đọc biểu này" not in steps.main_text(page)
    click(page, "Nạp 4 dòng vào kho")
    page.get_by_text("Đã nạp 4 dòng vào kho.").wait_for()
    assert distribution(db, 2024) == ps.expected(2024)

    # a second file of the form (another year): no questions
    upload(page, "bieu_tinh_2023.xlsx", ps.write(folder / "b.xlsx", 2023).read_bytes())
    click(page, "Kiểm tra tệp")
    page.get_by_text("Xem trước số liệu sẽ được nạp").wait_for()
    assert "Dạy hệ thống đọc biểu này" not in steps.main_text(page)
    click(page, "Nạp 4 dòng vào kho")
    page.get_by_text("Đã nạp 4 dòng vào kho.").wait_for()
    assert distribution(db, 2023) == ps.expected(2023)
    assert distribution(db, 2024) == ps.expected(2024)
