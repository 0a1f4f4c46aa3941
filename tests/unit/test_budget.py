"""The work estimate: close to what a run really does, quick, and never an exception."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.run import execute
from sim.scenario import (
    Scenario,
    ScenarioError,
    ScenarioTooLargeError,
    WorkEstimate,
    check_work,
    estimate_work,
    load_scenario,
)
from sim.scenario.budget import ROWS_PER_ORDER, _expected_lines
from sim.scenario.limits import limit_problems

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
SMALL = ["demand_days=1", "drain_days=1", "demand.orders_per_business_day=100"]


def _scenario(**fields: Any) -> Scenario:
    """A scenario built directly, bypassing the loader's limits."""
    return Scenario.model_validate({"name": "direct", **fields})


def _within(estimate: float, actual: float, factor: float = 1.5) -> bool:
    return actual / factor <= estimate <= actual * factor


def test_estimate_of_a_small_world_is_close_to_its_run() -> None:
    scenario = load_scenario(BASELINE, SMALL)
    estimate = estimate_work(scenario)
    result = execute(scenario)
    orders = result.history.columns()["order"]
    actual_orders = np.unique(orders[orders >= 0]).size
    assert actual_orders > 50
    assert _within(estimate.orders, actual_orders), (estimate.orders, actual_orders)
    assert _within(estimate.history_rows, len(result.history)), (
        estimate.history_rows,
        len(result.history),
    )


def test_baseline_estimate_matches_the_benchmark_volume() -> None:
    estimate = estimate_work(load_scenario(BASELINE))
    # README: the baseline week has 11,070 orders; 2,200 a day over 5 business days
    assert _within(estimate.orders, 11_070, 1.1)
    assert estimate.business_days == pytest.approx(5.0)
    assert _within(estimate.history_rows, 11_070 * ROWS_PER_ORDER, 1.2)
    assert 0.2 < estimate.memory_gib < 1.0
    assert estimate.horizon_days == 14


def test_estimate_is_a_small_frozen_value() -> None:
    estimate = estimate_work(load_scenario(BASELINE, SMALL))
    assert isinstance(estimate, WorkEstimate)
    with pytest.raises(dataclasses.FrozenInstanceError):
        estimate.orders = 0  # type: ignore[misc]
    assert [size for _, _, size in estimate.parts] == sorted(
        (size for _, _, size in estimate.parts), reverse=True
    )


def test_volume_weekdays_and_peaks_drive_the_estimate() -> None:
    monday = {"demand_days": 1, "demand": {"orders_per_business_day": 1000}}
    base = estimate_work(_scenario(**monday)).orders
    assert base == pytest.approx(1000 * 1.10)  # Monday's weekday factor
    doubled = {"demand_days": 1, "demand": {"orders_per_business_day": 2000}}
    assert estimate_work(_scenario(**doubled)).orders == pytest.approx(2 * base)
    weekend = {**monday, "start": "2026-11-28T00:00:00Z"}  # a Saturday: factor 0
    assert estimate_work(_scenario(**weekend)).orders == 0
    peak = {"multiplier": 3.0, "window": {"start_h": 0, "end_h": 24}}
    peaked = {"demand_days": 1, "demand": {"orders_per_business_day": 1000, "peaks": [peak]}}
    assert estimate_work(_scenario(**peaked)).orders == pytest.approx(3 * base)


def test_expected_lines_per_order_follow_the_capped_geometric_draw() -> None:
    rng = np.random.default_rng(3)
    draws = np.minimum(rng.geometric(1 / 3.5, 200_000), 5)
    assert _expected_lines(3.5, 5) == pytest.approx(draws.mean(), rel=0.01)
    assert _expected_lines(1.0, 40) == 1.0
    assert _expected_lines(1e300, 40) == pytest.approx(40)


@pytest.mark.parametrize(
    "fields",
    [
        {"demand_days": 1e308},
        {"drain_days": 1e308},
        {"demand": {"orders_per_business_day": 1e308}},
        {"demand": {"weekday_factors": [1e308, 1, 1, 1, 1, 0, 0]}},
        {"master_data": {"customers": 10**400}},
        {"demand": {"max_lines_per_order": 10**400, "lines_per_order_mean": 1e300}},
    ],
    ids=["demand days", "drain days", "volume", "weekday factor", "customers", "lines"],
)
def test_absurd_values_give_an_estimate_and_a_refusal_not_an_exception(
    fields: dict[str, Any],
) -> None:
    scenario = _scenario(**fields)
    estimate = estimate_work(scenario)
    assert estimate.memory_gib > 8 or math.isinf(estimate.memory_bytes)
    with pytest.raises(ScenarioError) as refused:
        check_work(scenario, source="direct.yaml")
    message = str(refused.value)
    assert message.startswith("direct.yaml: ")
    assert next(iter(fields)) in message


def test_ceiling_refuses_with_the_fields_and_how_to_raise_it() -> None:
    scenario = load_scenario(BASELINE, ["demand.orders_per_business_day=1e7"])
    with pytest.raises(ScenarioTooLargeError) as refused:
        check_work(scenario, source="baseline.yaml")
    message = str(refused.value)
    gib = f"{estimate_work(scenario).memory_gib:,.0f} GiB"
    assert message.startswith(f"baseline.yaml: too large to run: about {gib}")
    assert 1_000 < estimate_work(scenario).memory_gib < 2_000
    assert "above the ceiling of 8 GiB" in message
    assert "demand.orders_per_business_day, demand_days: about 5e+07 orders" in message
    assert "--max-memory-gib" in message and "O2CSIM_MAX_MEMORY_GIB" in message
    assert check_work(scenario, max_memory_gib=2000).orders == pytest.approx(5e7)
    assert check_work(load_scenario(BASELINE)).orders > 0


def test_limits_name_the_field() -> None:
    fields = {
        "demand": {"units_per_line_mean": 1e12},
        "master_data": {"credit_limit_cv": 1e9, "opening_cover_days": [1, 1e6]},
        "integration": {"scan_workers": 2**40, "atp_cache_refresh_s": 1e-3},
    }
    found = dict(limit_problems(_scenario(**fields)))
    assert set(found) == {
        "demand.units_per_line_mean",
        "master_data.credit_limit_cv",
        "master_data.opening_cover_days",
        "integration.scan_workers",
        "integration.atp_cache_refresh_s",
    }
    assert "expected at least 0.121 s" in found["integration.atp_cache_refresh_s"]
    (too_long,) = limit_problems(_scenario(demand_days=7, drain_days=3649))
    assert too_long[0] == "drain_days"
    assert "demand_days + drain_days is 3656 days" in too_long[1]
    assert limit_problems(load_scenario(BASELINE)) == []
