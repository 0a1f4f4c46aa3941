"""Paired p-values and Holm's adjustment across one pattern's KPI differences."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from sim.compare.stats import holm_adjust, paired_difference, paired_p_value


def test_the_p_value_is_the_paired_t_tests() -> None:
    values, reference = [5.0, 6.5, 7.0, 5.5], [4.0, 5.0, 6.9, 4.0]
    expected = stats.ttest_rel(values, reference).pvalue
    assert paired_p_value([a - b for a, b in zip(values, reference, strict=True)]) == pytest.approx(
        expected
    )
    assert paired_difference(values, reference)["p_value"] == pytest.approx(expected)


def test_differences_without_spread_are_certain() -> None:
    assert paired_p_value([0.0, 0.0, 0.0]) == 1.0
    assert paired_p_value([2.0, 2.0, 2.0]) == 0.0
    assert math.isnan(paired_p_value([1.0, math.inf]))
    assert math.isnan(paired_p_value([1.0]))


def cell(p: float, significant: bool = True) -> dict[str, object]:
    return {"p_value": p, "significant": significant}


def test_holm_multiplies_the_jth_smallest_by_m_minus_j_and_keeps_order() -> None:
    cells = {"a": cell(0.01), "b": cell(0.04), "c": cell(0.03), "d": cell(math.nan, False)}
    holm_adjust(cells)
    # m = 3 tested: 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 = 0.04 -> raised to 0.06
    assert cells["a"]["p_adjusted"] == pytest.approx(0.03)
    assert cells["c"]["p_adjusted"] == pytest.approx(0.06)
    assert cells["b"]["p_adjusted"] == pytest.approx(0.06)
    assert math.isnan(cells["d"]["p_adjusted"])  # type: ignore[arg-type]
    assert [cells[k]["significant"] for k in "abcd"] == [True, False, False, False]
    assert cells["b"]["significant_unadjusted"] is True  # each alone would have passed


def test_many_kpis_at_chance_level_are_not_all_marked() -> None:
    # forty KPIs each at p = 0.04: unadjusted, all "significant"; adjusted, none is
    cells = {f"k{i}": cell(0.04) for i in range(40)}
    holm_adjust(cells)
    assert not any(c["significant"] for c in cells.values())
    strong = {**{f"k{i}": cell(0.04) for i in range(39)}, "real": cell(1e-6)}
    holm_adjust(strong)
    assert [k for k, c in strong.items() if c["significant"]] == ["real"]


def test_certain_answers_are_kept_and_not_counted_among_the_tests() -> None:
    # three KPIs the patterns do not touch (p = 1), one certain difference (p = 0)
    cells = {
        "a": cell(0.02),
        "b": cell(0.03),
        "same1": cell(1.0, False),
        "same2": cell(1.0, False),
        "same3": cell(1.0, False),
        "certain": cell(0.0),
    }
    holm_adjust(cells)
    assert cells["a"]["p_adjusted"] == pytest.approx(0.04)  # m = 2, not 6
    assert cells["b"]["p_adjusted"] == pytest.approx(0.04)
    assert cells["certain"]["significant"] and not cells["same1"]["significant"]
    assert cells["same2"]["p_adjusted"] == 1.0
