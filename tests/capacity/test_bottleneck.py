"""The bottleneck rule on hand-written steps with known answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.capacity import CapacityStep, find_bottleneck


def _step(multiplier: float, peaks: dict[str, float]) -> CapacityStep:
    return CapacityStep(
        multiplier=multiplier,
        passed=True,
        gates={},
        failed=(),
        resources={
            name: {"peak_hour_utilisation": u, "mean_utilisation": u / 2, "peak_hour_queue": 0.0}
            for name, u in peaks.items()
        },
        orders_accepted=100 * multiplier,
        series=pd.DataFrame(),
    )


def test_the_first_resource_to_cross_is_the_bottleneck_not_the_busiest_at_the_top() -> None:
    steps = [
        # the pool grows 0.2 per 1x and crosses 0.85 at 4.25x; the endpoint starts lower
        # but grows faster: 0.1 + 0.3 per 1x, crossing at 2.5x
        _step(2, {"pool": 0.4, "endpoint": 0.7}),
        _step(1, {"pool": 0.2, "endpoint": 0.4}),
        _step(8, {"pool": 1.0, "endpoint": 0.99}),
    ]
    found = find_bottleneck(steps, 0.85)
    assert found.resource == "endpoint" and found.saturated
    assert found.crossing_multiplier == pytest.approx(2.5)
    assert found.crossings["pool"] == pytest.approx(4.25)
    assert found.utilisation == pytest.approx(0.99)
    assert found.ranking["8"] == [("pool", 1.0), ("endpoint", 0.99)]
    assert list(found.ranking) == ["1", "2", "8"]  # ascending multiplier


def test_one_step_below_extrapolates_through_the_origin_and_ties_go_to_the_busier() -> None:
    steps = [_step(1, {"a": 0.425, "b": 0.2125}), _step(4, {"a": 0.9, "b": 0.95})]
    found = find_bottleneck(steps, 0.85)
    # a: 1 x 0.85 / 0.425 = 2; b: 4 (kept at the first step above it)
    assert found.resource == "a" and found.crossing_multiplier == pytest.approx(2.0)
    tied = find_bottleneck([_step(4, {"a": 0.9, "b": 0.95})], 0.85)
    assert tied.resource == "b" and tied.crossing_multiplier == 4


def test_without_a_saturated_resource_the_nearest_is_named_as_not_saturated() -> None:
    found = find_bottleneck([_step(1, {"a": 0.1, "b": 0.3}), _step(2, {"a": 0.2, "b": 0.6})])
    assert found.resource == "b" and not found.saturated
    assert math.isnan(found.crossing_multiplier) and found.utilisation == 0.6
    assert find_bottleneck([]).resource is None
