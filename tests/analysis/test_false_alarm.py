"""The false-alarm rate each statistical rule states: how often a unit with nothing wrong trips it, computed here
independently (plain enumeration, math only) and compared with what the catalog says."""
from __future__ import annotations

import math

from analysis import inspection


def _enumerate(n: int, rise: float, share: float) -> float:
    pmf = [math.comb(n, k) * share ** k * (1 - share) ** (n - k) for k in range(n + 1)]
    return sum(pmf[a] * pmf[b] for a in range(n + 1) for b in range(n + 1) if b / n - a / n > rise + 1e-12)


def test_the_rise_rule_states_its_false_alarm_rate_by_size():
    for n in (20, 50, 100):
        assert abs(inspection._rise_false_alarm(n, 0.15) - _enumerate(n, 0.15, 0.2)) < 1e-9
    text = inspection.false_alarm("thong_ke_ty_le_htxs_tang_dot_bien",
                                  {"tang_toi_da": "0.15", "quy_mo_toi_thieu": "20"})
    assert "20 người: 8,2%" in text and "100 người: 0,3%" in text and "300 người: dưới 0,1%" in text


def test_the_other_signals_state_theirs_and_violations_none():
    assert "0,10%" in inspection.false_alarm("thong_ke_chi_bo_dong_loat_mot_muc", {"xac_suat_toi_da": "0.001"})
    z3 = 0.5 * math.erfc(3 / math.sqrt(2))
    assert f"{z3 * 100:.2f}".replace(".", ",") + "%" in inspection.false_alarm(
        "thong_ke_cap_tren_thay_doi_tu_xep_loai", {"z_toi_thieu": "3"})
    assert inspection.false_alarm("dv_ky_luat_366", {}) == ""
