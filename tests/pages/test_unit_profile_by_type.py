"""The unit profile shows what a unit reported by loại hình on Biểu số 7A-TCTW (aggregate_counts_by_type), every
number as the form gave it, and the page's 'Loại hình' choice filters the table to one type."""
from __future__ import annotations

import pytest

from operations.load import load_files
from tests.etl import summary_sheets as ss
from tests.etl import tctw_forms as tf


@pytest.fixture
def kho_7a(tmp_path):
    db = tmp_path / "kho.duckdb"
    assert load_files(ss.catalogue_files(tmp_path), db).exit_code == 0
    res = load_files([tf.write(tmp_path / "bieu_7a_2016.xlsx", tf.form_7a())], db)
    assert res.exit_code == 0, [r.message() for r in res.rejects]
    return db


def rows_of(at) -> list[dict]:
    tables = [d.value for d in at.dataframe if "Loại hình" in d.value.columns]
    assert len(tables) == 1
    return tables[0].to_dict("records")


def test_the_split_by_type_is_shown_and_filtered(open_app, kho_7a):
    at = open_app(kho_7a, "profile", don_vi="H1", tu_nam=2016, den_nam=2016)
    assert "Theo loại hình tổ chức cơ sở đảng" in [h.value for h in at.subheader]
    rows = rows_of(at)
    _, per = tf.expected_org(tf.TCCSD_2016)
    xa = next(r for r in rows if r["Đối tượng"] == "Tổ chức cơ sở đảng" and r["Loại hình"] == "Xã")
    htxs, htt, ht, khtnv, total, not_rated, exemplary = per["xa"]
    levels = [c for c in xa if c not in ("Năm", "Đối tượng", "Loại hình", "Tổng số", "Không xếp loại")]
    assert xa["Năm"] == "2016" and xa["Tổng số"] == str(total) and xa["Không xếp loại"] == str(not_rated)
    assert [xa[c] for c in levels[1:]] == [str(htt), str(ht), str(khtnv)]
    assert xa[levels[0]] == (f"{htxs} (tiêu biểu {exemplary})" if exemplary else str(htxs))
    # the sub-type inside another is marked as not added to the total
    assert any("không cộng vào tổng" in r["Loại hình"] for r in rows)
    # one type only
    at.selectbox(key="w_loai_hinh").select("xa").run()
    assert not at.exception
    assert {r["Loại hình"] for r in rows_of(at)} == {"Xã"}
    assert {r["Đối tượng"] for r in rows_of(at)} == {"Tổ chức cơ sở đảng", "Chi bộ trực thuộc"}


def test_a_unit_without_such_a_form_shows_no_section(open_app, kho_7a):
    at = open_app(kho_7a, "profile", don_vi="CQ")
    assert "Theo loại hình tổ chức cơ sở đảng" not in [h.value for h in at.subheader]
