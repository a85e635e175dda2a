"""The plain parts of the commendation page and of the chart pictures: the "tiêu biểu" arithmetic, the preselection,
the workbook without names, and a chart's print layout."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import plotly.graph_objects as go

from reports import chart_image
from reports import commendations as cm


def cands(groups: dict[tuple[str, str], int], five: set[str] = frozenset()) -> pd.DataFrame:
    rows = []
    for (subject, parent), n in groups.items():
        for i in range(n):
            name = f"{parent} / {i}"
            rows.append({"year": 2025, "subject": subject, "parent": parent, "unit_code": name, "unit": name,
                         "score": 90.0 - i, "five_years": name in five, "htxs_in_group": n,
                         "allowed_exemplary": int(0.2 * n + 1e-9), "source": "seed 001"})
    return pd.DataFrame(rows)


def test_the_limit_is_floor_of_twenty_percent_of_the_htxs_under_one_parent():
    c = cands({("chi_bo", "Đảng bộ xã A"): 6, ("chi_bo", "Đảng bộ xã B"): 4, ("tccsd", "Huyện ủy H"): 11})
    picked = cm.default_selection(c)
    checked = cm.check(c, picked, {"chi_bo": 0.2, "tccsd": 0.2}).set_index("Cấp trên")
    assert list(checked["Được đề nghị tối đa"]) == [1, 0, 2]          # 1,2 → 1; 0,8 → 0; 2,2 → 2
    assert list(checked["Đang đề nghị"]) == [1, 0, 2] and set(checked["Kết luận"]) == {cm.OK}
    over = picked.copy()
    over[1] = True                                                     # a second chi bộ of xã A
    result = cm.check(c, over, {"chi_bo": 0.2, "tccsd": 0.2}).set_index("Cấp trên")
    assert result.at["Đảng bộ xã A", "Kết luận"] == f"{cm.OVER}: bớt 1"
    assert list(cm.over_limit(result.reset_index())["Cấp trên"]) == ["Đảng bộ xã A"]


def test_the_marks_the_files_carry_are_counted_against_the_limit():
    c = cands({("chi_bo", "Đảng bộ xã A"): 6, ("chi_bo", "Đảng bộ xã B"): 5})
    c["marked"] = [True, True, False, False, False, False, True, False, False, False, False]
    note = cm.marked_note(c, 2017)
    assert "đã ghi “tiêu biểu” cho 3 tổ chức" in note
    assert "Đảng bộ xã A (chi bộ trực thuộc): 2 > 1" in note and "xã B" not in note      # B: 1 ≤ floor(20% × 5)
    c["marked"] = [True] + [False] * 10
    assert cm.marked_note(c, 2017).endswith("trong giới hạn ở mọi nhóm.")
    assert "không ghi" in cm.marked_note(c.assign(marked=False), 2017)


def test_rules_come_from_the_configuration():
    rules = pd.DataFrame({"rule_id": ["nam_nam_lien", "tieu_bieu_chi_bo"], "subject": ["*", "chi_bo"],
                          "ratio": [None, 0.25], "base": [None, "htxs"], "streak_years": [3, None],
                          "source": ["x", "y"]})
    assert cm.streak_years(rules) == 3 and cm.ratios(rules) == {"chi_bo": 0.25}


def test_the_workbook_without_names_has_no_personal_sheet_mark():
    five = pd.DataFrame({"kind": ["dang_vien"], "subject": ["dang_vien"], "subject_key": ["abc123"],
                         "unit_code": ["C1"], "unit": ["Chi bộ 1"], "first_year": [2021], "last_year": [2025],
                         "years": [5]})
    units = pd.DataFrame({"unit_code": ["C1"], "parent_name": ["Đảng bộ xã A"]})
    members = cm.members(five, units)                                   # pseudonymous: no names given
    c = cands({("chi_bo", "Đảng bộ xã A"): 5})
    props = cm.candidates(c, cm.default_selection(c))
    data = cm.office_workbook(unit_name="Huyện ủy H", year=2025, streak=5, orgs=cm.organizations(five.head(0), units),
                              named_members=members, proposals=props,
                              checked=cm.check(c, list(props[cm.PROPOSE]), {"chi_bo": 0.2}), sources=["seed 001"],
                              where={"Đơn vị": "Huyện ủy H"})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Đảng viên 5 năm liền"]
    assert ws["A1"].value == "DANH SÁCH" and ws.sheet_properties.tabColor is None
    values = [v for row in ws.iter_rows(values_only=True) for v in row if v]
    assert "Mã ẩn danh" in values and "abc123" in values
    assert any(str(v).startswith("Tổng số: 0 tổ chức") for row in wb["Tổ chức 5 năm liền"].iter_rows(values_only=True)
               for v in row if v)


def test_a_chart_for_print_gets_its_title_and_filters_and_leaves_the_original_alone():
    fig = go.Figure(go.Bar(x=["2024"], y=[3]), layout=dict(height=300, margin=dict(t=40, b=10)))
    out = chart_image.for_print(fig, "Tỷ lệ Hoàn thành xuất sắc nhiệm vụ — Đảng bộ xã Hòa Bình",
                                {"Đơn vị": "Đảng bộ xã Hòa Bình", "Năm đánh giá": "2024"})
    assert out.layout.title.text.startswith("Tỷ lệ Hoàn thành xuất sắc") and out.layout.height == 430
    note = out.layout.annotations[-1].text
    assert note.startswith("Đơn vị: Đảng bộ xã Hòa Bình · Năm đánh giá: 2024 · Xuất lúc ")
    assert fig.layout.title.text is None and not fig.layout.annotations
