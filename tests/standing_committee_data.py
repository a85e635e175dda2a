"""A small, hand-counted warehouse for the Standing Committee views, built through the real loader.

Tỉnh ủy Sơn Hà (T) had two districts until 2024 (H1 Huyện ủy Hòa Bình, H2 Huyện ủy An Phú). In 2025 the districts end,
Đảng bộ xã Hòa Bình (X1) and Đảng bộ xã Hòa Lạc (X2) merge into Đảng bộ xã Bình Minh (X4) directly under the
province, and Đảng bộ xã An Phú (X3) moves under the province. Every number below is counted by hand in EXPECTED.
"""
from __future__ import annotations

from pathlib import Path

from tests.conftest import UNITS_HEADER, write_csv

UNITS = [
    ["T", "Tỉnh ủy Sơn Hà", "Tỉnh ủy", "", "", "", ""],
    ["H1", "Huyện ủy Hòa Bình", "Huyện ủy", "", "T", 2022, 2024],
    ["H2", "Huyện ủy An Phú", "Huyện ủy", "", "T", 2022, 2024],
    ["X1", "Đảng bộ xã Hòa Bình", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", 2022, 2024],
    ["X2", "Đảng bộ xã Hòa Lạc", "Đảng bộ cơ sở", "Xã, thị trấn", "H1", 2022, 2024],
    ["X3", "Đảng bộ xã An Phú", "Đảng bộ cơ sở", "Xã, thị trấn", "H2", 2022, 2024],
    ["X3", "Đảng bộ xã An Phú", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2025, ""],
    ["X4", "Đảng bộ xã Bình Minh", "Đảng bộ cơ sở", "Xã, thị trấn", "T", 2025, ""],
    ["Q1", "Chi bộ Văn phòng Huyện ủy Hòa Bình", "Chi bộ cơ sở", "Cơ quan hành chính", "H1", 2022, 2024],
    ["C11", "Chi bộ thôn Đông", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X1", 2022, 2024],
    ["C12", "Chi bộ thôn Tây", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X1", 2022, 2024],
    ["C21", "Chi bộ thôn Đông", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X2", 2022, 2024],
    ["C31", "Chi bộ thôn Bắc", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X3", 2022, ""],
    ["C41", "Chi bộ thôn Bình Minh 1", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X4", 2025, ""],
    ["C42", "Chi bộ thôn Bình Minh 2", "Chi bộ trực thuộc", "Thôn, tổ dân phố", "X4", 2025, ""],
]

# members per (year, chi bộ): HTXS, HTT, HT, KHTNV
MEMBERS = {
    2022: {"C11": (3, 12, 2, 0), "C12": (2, 8, 1, 1), "C21": (4, 10, 1, 0), "C31": (1, 9, 3, 0), "Q1": (2, 6, 0, 0)},
    2023: {"C11": (4, 11, 2, 0), "C12": (1, 9, 2, 0), "C21": (5, 9, 1, 0), "C31": (2, 9, 2, 1), "Q1": (3, 5, 0, 0)},
    2024: {"C11": (5, 10, 2, 0), "C12": (2, 9, 1, 0), "C21": (3, 11, 1, 0), "C31": (2, 10, 2, 0), "Q1": (1, 7, 0, 0)},
    2025: {"C41": (6, 15, 2, 0), "C42": (3, 12, 1, 0), "C31": (3, 10, 1, 0)},
}
NOT_RATED = [(2024, "C11", "Miễn công tác và sinh hoạt đảng"), (2024, "C31", "Kết nạp dưới 6 tháng")]

LABELS = ("Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ")

# (year, unit, subject, self label, final label, score)
COLLECTIVE = [
    (2022, "X1", "Tổ chức cơ sở đảng", "HTXS", "HTT", ""), (2023, "X1", "Tổ chức cơ sở đảng", "HTXS", "HTXS", ""),
    (2024, "X1", "Tổ chức cơ sở đảng", "HTT", "HTT", ""),
    (2022, "X2", "Tổ chức cơ sở đảng", "HTT", "HTT", ""), (2023, "X2", "Tổ chức cơ sở đảng", "HTT", "HT", ""),
    (2024, "X2", "Tổ chức cơ sở đảng", "HTXS", "HTT", ""),
    (2022, "X3", "Tổ chức cơ sở đảng", "HTT", "HTT", ""), (2023, "X3", "Tổ chức cơ sở đảng", "HTT", "HTT", ""),
    (2024, "X3", "Tổ chức cơ sở đảng", "HT", "HT", ""), (2025, "X3", "Tổ chức cơ sở đảng", "HTT", "HTT", 78),
    (2022, "Q1", "Tổ chức cơ sở đảng", "HTXS", "HTXS", ""), (2023, "Q1", "Tổ chức cơ sở đảng", "HTT", "HTT", ""),
    (2024, "Q1", "Tổ chức cơ sở đảng", "HTT", "HTT", ""),
    (2025, "X4", "Tổ chức cơ sở đảng", "HTXS", "HTXS", 92),
    (2024, "C11", "Chi bộ trực thuộc", "HTT", "HTT", ""), (2024, "C12", "Chi bộ trực thuộc", "HTXS", "HTT", ""),
    (2024, "C21", "Chi bộ trực thuộc", "HT", "HT", ""), (2024, "C31", "Chi bộ trực thuộc", "HTXS", "HTXS", ""),
    (2025, "C41", "Chi bộ trực thuộc", "HTXS", "HTXS", 91), (2025, "C42", "Chi bộ trực thuộc", "HTT", "HTT", 80),
    (2025, "C31", "Chi bộ trực thuộc", "HTT", "HTT", 75),
]

SHORTCOMINGS = [
    (2023, "X1", "Tổ chức cơ sở đảng", "Báo cáo kiểm điểm còn chung chung, chưa làm rõ trách nhiệm cá nhân",
     "Chất lượng báo cáo", "Đã khắc phục"),
    (2024, "X1", "Tổ chức cơ sở đảng", "Gửi báo cáo kiểm điểm về cấp trên chậm so với thời hạn",
     "Thời hạn báo cáo", "Chưa khắc phục"),
]
SUGGESTIONS = [(2024, "X1", "Làm rõ nguyên nhân tỷ lệ đảng viên hoàn thành xuất sắc nhiệm vụ tăng cao")]
LINEAGE = [(2025, "X1", "X4", "Sáp nhập", ""), (2025, "X2", "X4", "Sáp nhập", "")]


def _sum(year: int, chi_bos) -> tuple[int, int, int, int]:
    rows = [MEMBERS[year][c] for c in chi_bos if c in MEMBERS[year]]
    return tuple(sum(r[i] for r in rows) for i in range(4))


EXPECTED = {
    # province, members: (htxs, htt, ht, khtnv) per year
    "T": {y: _sum(y, MEMBERS[y]) for y in MEMBERS},
    "H1": {y: _sum(y, ("C11", "C12", "C21", "Q1")) for y in (2022, 2023, 2024)},
    "X1": {y: _sum(y, ("C11", "C12")) for y in (2022, 2023, 2024)},
    "X4": {2025: _sum(2025, ("C41", "C42"))},
}


def build(directory: Path, name: str = "son_ha.duckdb", tag: str = "", file_tag: str = "") -> Path:
    """Write the input files into `directory` and load them into a new warehouse; return its path.

    `tag` is appended to every text a user loads — units' names, shortcomings' wordings and groups, suggestions, and
    members' names (then given) — and `file_tag` to the files' names: the province with hostile names
    (tests/pages/test_names_as_text.py). The numbers stay those counted by hand."""
    from operations.load import load_files

    directory.mkdir(parents=True, exist_ok=True)
    db = directory / name
    units = [[r[0], r[1] + tag, *r[2:]] for r in UNITS]
    files = [write_csv(directory / f"don_vi{file_tag}.csv", [UNITS_HEADER, *units])]
    rows = [["Năm", "Mã đảng viên", "Họ và tên", "Mã chi bộ", "Xếp loại"]]
    for year, by_chi_bo in MEMBERS.items():
        for chi_bo, counts in by_chi_bo.items():
            i = 0
            for label, n in zip(LABELS, counts):
                for _ in range(n):
                    i += 1
                    rows.append([year, f"{chi_bo}-{year}-{i}", f"Đảng viên {i}{tag}" if tag else "", chi_bo, label])
    for year, chi_bo, label in NOT_RATED:
        rows.append([year, f"{chi_bo}-{year}-nr", "", chi_bo, label])
    files.append(write_csv(directory / f"dang_vien{file_tag}.csv", rows))
    files.append(write_csv(directory / f"tap_the{file_tag}.csv", [
        ["Năm", "Mã đơn vị", "Đối tượng", "Tự xếp loại", "Xếp loại", "Điểm"], *[list(r) for r in COLLECTIVE]]))
    files.append(write_csv(directory / f"han_che{file_tag}.csv", [
        ["Năm", "Mã đơn vị", "Đối tượng", "Nội dung", "Nhóm", "Kết quả khắc phục"],
        *[[y, u, s, text + tag, group + tag, done] for y, u, s, text, group, done in SHORTCOMINGS]]))
    files.append(write_csv(directory / f"goi_y{file_tag}.csv", [
        ["Năm", "Mã đơn vị", "Nội dung"], *[[y, u, text + tag] for y, u, text in SUGGESTIONS]]))
    files.append(write_csv(directory / f"sap_nhap{file_tag}.csv", [
        ["Năm", "Mã đơn vị cũ", "Mã đơn vị mới", "Hình thức", "Tỷ lệ"], *[list(r) for r in LINEAGE]]))
    res = load_files(files, db)
    if res.exit_code != 0:
        raise RuntimeError("; ".join(r.message() for r in res.rejects) or str([f.error for f in res.files]))
    return db


def build_seed_004(directory: Path, name: str = "bao_lam.duckdb") -> Path:
    """The seed-004 district (Huyện ủy Bảo Lâm 2018–2022) as its report tables give it."""
    from operations.load import load_files
    from tests.conftest import SAMPLE_004

    directory.mkdir(parents=True, exist_ok=True)
    db = directory / name
    res = load_files([SAMPLE_004], db, unit="Huyện ủy Bảo Lâm")
    assert res.exit_code == 1 and len(res.rejects) == 2, [r.message() for r in res.rejects]  # 2 columns by design
    return db
