"""Comparison cells, paired differences, unit costs and their formatting, by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.compare import (
    CostsError,
    UnitCosts,
    cost_per_order,
    interval_cell,
    load_costs,
    paired_difference,
)
from sim.kpis import SYSTEMS
from sim.report.compare import format_interval

T_975_2 = 4.302653  # t(0.975) with two degrees of freedom


def test_interval_cell_known_answer() -> None:
    cell = interval_cell([1.0, 2.0, 3.0])  # mean 2, s 1
    assert cell["mean"] == pytest.approx(2.0)
    assert cell["half_width"] == pytest.approx(T_975_2 / math.sqrt(3), abs=1e-6)
    assert (cell["low"], cell["high"], cell["n"]) == (
        pytest.approx(2 - cell["half_width"]),
        pytest.approx(2 + cell["half_width"]),
        3,
    )


def test_interval_cell_without_finite_values_has_no_interval() -> None:
    assert math.isnan(interval_cell([1.0, math.nan])["mean"])
    infinite = interval_cell([1.0, math.inf])
    assert infinite["mean"] == math.inf and math.isnan(infinite["half_width"])


def test_a_paired_difference_cancels_what_the_replications_share() -> None:
    # the replications differ a lot, the pattern adds exactly 1 to each: paired, it is sure
    reference = [10.0, 20.0, 30.0]
    other = [11.0, 21.0, 31.0]
    diff = paired_difference(other, reference)
    assert diff["mean"] == pytest.approx(1.0) and diff["half_width"] == pytest.approx(0.0)
    assert diff["significant"] is True
    # unpaired, the same means would be swamped by the spread between replications
    assert interval_cell(other)["half_width"] > 20


def test_a_paired_difference_whose_interval_holds_zero_is_not_significant() -> None:
    diff = paired_difference([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])  # differences 1, 2, 3
    assert diff["mean"] == pytest.approx(2.0)
    assert diff["half_width"] == pytest.approx(T_975_2 / math.sqrt(3), abs=1e-6)
    assert diff["low"] < 0 < diff["high"] and diff["significant"] is False
    assert paired_difference([1.9, 2.0, 2.1], [0.0, 0.0, 0.0])["significant"] is True


def test_a_paired_difference_of_infinite_values_is_nan_without_a_warning() -> None:
    # both patterns left work unfinished in replication 0 (an infinite percentile): the
    # difference is undefined, and pytest's warnings-as-errors would catch numpy's warning
    diff = paired_difference([math.inf, 2.0], [math.inf, 1.0])
    assert math.isnan(diff["mean"]) and math.isnan(diff["p_value"])
    assert diff["significant"] is False


def test_paired_values_must_pair() -> None:
    with pytest.raises(ValueError, match="differ in count"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def _statistics(**values: float) -> dict[str, float]:
    stats = {f"calls.{s}": 0.0 for s in SYSTEMS}
    stats.update(orders_accepted=100.0, messages_published=0.0, manual_touches=0.0, horizon_h=0.0)
    stats.update(values)
    return stats


def test_cost_per_order_known_answer() -> None:
    costs = UnitCosts(
        per_call=0.01,
        per_call_by_system={"crm": 0.1},
        per_message=0.001,
        per_manual_touch=5.0,
        per_worker_hour=2.0,
        runtime_workers=3,
        runtime_workers_by_pattern={"direct": 1},
    )
    stats = _statistics(
        **{"calls.crm": 200.0, "calls.erp": 1000.0},
        messages_published=2000.0,
        manual_touches=4.0,
        horizon_h=10.0,
    )
    # crm 200 x 0.1 = 20, erp 1000 x 0.01 = 10, messages 2, touches 20, runtime 3 x 10 x 2 = 60
    assert cost_per_order(stats, costs, "hybrid") == pytest.approx((20 + 10 + 2 + 20 + 60) / 100)
    # one runtime worker instead of three: 40 less
    assert cost_per_order(stats, costs, "direct") == pytest.approx((20 + 10 + 2 + 20 + 20) / 100)
    assert math.isnan(cost_per_order(_statistics(orders_accepted=0.0), costs, "hybrid"))


def test_late_orders_cost_their_penalty() -> None:
    costs = UnitCosts(per_late_order=40.0, per_worker_hour=0.0)
    on_time = cost_per_order(_statistics(late_orders=0.0), costs, "hybrid")
    late = cost_per_order(_statistics(late_orders=5.0), costs, "hybrid")
    assert late - on_time == pytest.approx(5 * 40.0 / 100)
    # a run without the promise figure (NaN) is priced without lateness, not as NaN
    assert cost_per_order(_statistics(late_orders=math.nan), costs, "hybrid") == on_time


def test_costs_from_a_file_and_options(tmp_path: Path) -> None:
    path = tmp_path / "costs.yaml"
    path.write_text("per_call: 0.002\nper_call_by_system: {crm: 0.01}\ncurrency: EUR\n")
    costs = load_costs(path, ["per_manual_touch=7.5"])
    assert (costs.per_call, costs.call_price("crm"), costs.call_price("erp")) == (
        0.002,
        0.01,
        0.002,
    )
    assert (costs.per_manual_touch, costs.currency) == (7.5, "EUR")
    assert load_costs() == UnitCosts()


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        (None, ["per_call=-1"], "per_call: Input should be greater than or equal to 0"),
        ("per_cal: 1\n", [], "costs.yaml: per_cal: Extra inputs are not permitted"),
        ("per_message: .inf\n", [], "per_message: Value error, expected a finite amount"),
        ("- 1\n", [], "expected a mapping of unit costs"),
        ("per_call: [1\n", [], "malformed YAML"),
        (None, ["per_call"], "--cost 'per_call': expected field=value"),
        (None, ["per_call_by_system={ftp: 1}"], "per_call_by_system.ftp"),
    ],
)
def test_bad_costs_name_the_field(
    tmp_path: Path, text: str | None, options: list[str], expected: str
) -> None:
    path = None
    if text is not None:
        path = tmp_path / "costs.yaml"
        path.write_text(text)
    with pytest.raises(CostsError) as caught:
        load_costs(path, options)
    assert expected in str(caught.value)


def test_missing_costs_file(tmp_path: Path) -> None:
    with pytest.raises(CostsError, match="no such costs file"):
        load_costs(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((3.72, 0.57, "s"), "3.72 ± 0.57 s"),
        ((369602.0, 5000.0, "s"), "4.28 ± 0.06 d"),
        ((5400.0, 60.0, "s"), "90.0 ± 1.0 min"),
        ((0.125, 0.004, "share"), "12.5 ± 0.4%"),
        ((87.7, 25.4, "count"), "87.7 ± 25.4"),
        ((-0.000023, 0.000005, "money"), "-0.0000230 ± 0.0000050 USD"),
        ((math.nan, 1.0, "s"), "-"),
        ((math.inf, math.nan, "s"), "inf"),
        ((11.1, math.nan, "ratio"), "11.1"),
    ],
)
def test_format_interval(args: tuple[float, float, str], text: str) -> None:
    assert format_interval(*args) == text


def test_format_interval_signs_differences() -> None:
    assert format_interval(0.25, 0.05, "ratio", signed=True) == "+0.250 ± 0.050"
    assert format_interval(-0.25, 0.05, "ratio", signed=True) == "-0.250 ± 0.050"
