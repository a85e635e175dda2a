"""Filters ⇄ URL: a link reproduces a view; bad or stale links still open a sensible one; the unit search."""
import pandas as pd

from ui import state

OPTS = state.Options(units=("T", "H1", "X1", "X2"), years=(2019, 2020, 2021, 2022), subjects=("tccsd", "dang_vien"),
                     default_unit="T")


def test_defaults_are_the_largest_tree_all_years_all_subjects():
    assert state.defaults(OPTS) == state.Filters(unit="T", year_from=2019, year_to=2022, subject=None)


def test_params_round_trip():
    f = state.Filters(unit="X1", year_from=2020, year_to=2021, subject="dang_vien")
    assert f.params() == {"don_vi": "X1", "tu_nam": "2020", "den_nam": "2021", "doi_tuong": "dang_vien",
                          "co_cau": "nhu_bao_cao"}
    assert state.apply(f.params(), OPTS) == f


def test_invalid_values_are_ignored_and_years_clamped():
    f = state.apply({"don_vi": "KHONG-CO", "doi_tuong": "abc", "tu_nam": "hai nghìn", "den_nam": "2030"}, OPTS)
    assert f == state.Filters(unit="T", year_from=2019, year_to=2022, subject=None)
    assert state.apply({"tu_nam": "2010"}, OPTS).year_from == 2019
    # reversed range is put right
    assert state.apply({"tu_nam": "2022", "den_nam": "2020"}, OPTS) == state.Filters("T", 2020, 2022, None)
    # list values (repeated parameters): the last one counts
    assert state.apply({"don_vi": ["X1", "X2"]}, OPTS).unit == "X2"


def test_only_parameters_changed_in_the_address_win():
    written = {"don_vi": "T", "tu_nam": "2019", "den_nam": "2022"}
    # the URL lost its parameters (Streamlit drops them when changing page): nothing changed
    assert state.changed_in_url({}, written, state.GLOBAL_KEYS) == {}
    # a link to a unit's profile: only the unit changed
    assert state.changed_in_url({"don_vi": "X1"}, written, state.GLOBAL_KEYS) == {"don_vi": "X1"}
    assert state.changed_in_url(dict(written), written, state.GLOBAL_KEYS) == {}


def test_profile_links_keep_the_other_filters():
    f = state.Filters(unit="T", year_from=2020, year_to=2022, subject="dang_vien")
    url = state.profile_link("X1", f)
    assert url == "unit_profile?don_vi=X1&tu_nam=2020&den_nam=2022&doi_tuong=dang_vien&co_cau=nhu_bao_cao"
    named = state.profile_link("X1", f, "Đảng bộ xã Hòa Bình")
    import re
    assert re.search(state.NAME_IN_LINK, named).group(1) == "Đảng bộ xã Hòa Bình"
    assert state.link("distribution", {"don_vi": "Hòa Bình"}) == "distribution?don_vi=H%C3%B2a%20B%C3%ACnh"


def test_search_finds_hoa_binh_without_diacritics_and_words_in_any_order():
    units = pd.DataFrame({"unit_code": ["X1", "X2", "H1", "CB"],
                          "name_key": ["dang bo xa hoa binh", "dang bo xa an phu", "huyen uy hoa binh",
                                       "chi bo thon dong"]})
    def found(text):
        return list(units.loc[state.search_mask(units["name_key"], units["unit_code"], text), "unit_code"])
    assert found("hoa binh") == ["X1", "H1"]
    assert found("Hòa Bình") == ["X1", "H1"]
    assert found("HOÀ BÌNH") == ["X1", "H1"]          # old tone placement, capitals
    assert found("binh hoa") == ["X1", "H1"]
    assert found("xa hoa binh") == ["X1"]
    assert found("đông") == ["CB"]
    assert found("cb") == ["CB"]                        # a unit code
    assert found("") == ["X1", "X2", "H1", "CB"]
    assert found("khong co") == []


def test_the_view_of_history_travels_in_the_link():
    f = state.Filters(unit="T", year_from=2019, year_to=2021, subject=None, view=state.VIEW_TODAY)
    assert state.apply(f.params(), OPTS) == f
    assert f.structure_year == 2021
    assert state.Filters(unit="T", year_from=2019, year_to=2021).structure_year is None
    # an unknown view in an edited link falls back to 'as reported'
    assert state.apply({"co_cau": "bat_ky"}, OPTS).view == state.VIEW_REPORTED


def test_a_full_range_grows_when_a_load_adds_a_year():
    full = state.Filters(unit="T", year_from=2022, year_to=2025)
    assert state.grow_years(full, (2022, 2023, 2024, 2025), (2021, 2022, 2023, 2024, 2025)).year_from == 2021
    part = state.Filters(unit="T", year_from=2023, year_to=2025)
    assert state.grow_years(part, (2022, 2023, 2024, 2025), (2021, 2022, 2023, 2024, 2025)) == part
    assert state.grow_years(full, (), (2021, 2022)) == full
