"""The bottleneck rule on hand-written steps with known answers."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from sim.capacity import CapacityStep, find_bottleneck


def _step(
    multiplier: float,
    peaks: dict[str, float],
    queues: dict[str, float] | None = None,
    servers: dict[str, float] | None = None,
) -> CapacityStep:
    """A step whose resources have the given busiest-hour utilisation and queue.

    Without ``queues`` a resource's busiest-hour queue is ten times its utilisation (it
    grows with the load); without ``servers`` it has one.
    """
    queues = queues or {}
    servers = servers or {}
    return CapacityStep(
        multiplier=multiplier,
        passed=True,
        gates={},
        failed=(),
        resources={
            name: {
                "peak_hour_utilisation": u,
                "mean_utilisation": u / 2,
                "peak_hour_queue": queues.get(name, 10 * u),
                "servers": servers.get(name, 1.0),
            }
            for name, u in peaks.items()
        },
        orders_accepted=100 * multiplier,
        series=pd.DataFrame(),
    )


def test_the_first_resource_to_cross_is_the_bottleneck_not_the_busiest_at_the_top() -> None:
    steps = [
        # the pool grows 0.2 per 1x and crosses 0.85 at 4.25x; the endpoint starts lower
        # but grows faster: 0.1 + 0.3 per 1x, crossing at 2.5x; both queues grow
        _step(2, {"pool": 0.4, "endpoint": 0.7}),
        _step(1, {"pool": 0.2, "endpoint": 0.4}),
        _step(8, {"pool": 1.0, "endpoint": 0.99}),
    ]
    found = find_bottleneck(steps, 0.85)
    assert found.resource == "endpoint" and found.saturated
    assert found.crossing_multiplier == pytest.approx(2.5)
    assert found.crossings["pool"] == pytest.approx(4.25)
    assert found.utilisation == pytest.approx(0.99)
    # its backlog at the first step past the crossing, above the lowest step's
    assert found.backlog_growth == pytest.approx(9.9 - 4.0)
    assert found.ranking["8"] == [("pool", 1.0), ("endpoint", 0.99)]
    assert found.backlog["8"] == [("pool", 10.0), ("endpoint", 9.9)]
    assert list(found.ranking) == ["1", "2", "8"]  # ascending multiplier
    assert found.busy_without_backlog == {}


def test_one_step_below_extrapolates_through_the_origin_and_ties_go_to_the_busier() -> None:
    steps = [_step(1, {"a": 0.425, "b": 0.2125}), _step(4, {"a": 0.9, "b": 0.95})]
    found = find_bottleneck(steps, 0.85)
    # a: 1 x 0.85 / 0.425 = 2; b: 4 (kept at the first step above it)
    assert found.resource == "a" and found.crossing_multiplier == pytest.approx(2.0)
    # one step, the same backlog: the busier wins
    tied = find_bottleneck([_step(4, {"a": 0.9, "b": 0.95}, {"a": 2.0, "b": 2.0})], 0.85)
    assert tied.resource == "b" and tied.crossing_multiplier == 4
    assert tied.backlog_growth == 2.0  # at the lowest step: above an empty queue


def test_a_busy_resource_whose_backlog_does_not_grow_is_not_the_bottleneck() -> None:
    # the batch pool is busy early (its crossing, through
    # the origin from the one step below: 0.85 / 0.6 = 1.42x) but runs its
    # work as it comes: the same 0.3 waiting per server at every load. The endpoint crosses
    # later (2 + 0.25 / 0.3 = 2.83x) and requests pile up in front of it.
    flat = 0.3
    steps = [
        _step(1, {"batch": 0.6, "endpoint": 0.3}, {"batch": flat, "endpoint": 0.1}),
        _step(2, {"batch": 0.9, "endpoint": 0.6}, {"batch": flat, "endpoint": 0.4}),
        _step(4, {"batch": 0.97, "endpoint": 0.95}, {"batch": flat, "endpoint": 6.0}),
    ]
    found = find_bottleneck(steps, 0.85)
    assert found.resource == "endpoint" and found.saturated
    assert found.crossing_multiplier == pytest.approx(2 + 0.25 / 0.3)
    assert found.busy_without_backlog == {"batch": pytest.approx(0.85 / 0.6)}
    assert "batch" not in found.crossings
    assert found.backlog["4"] == [("endpoint", 6.0), ("batch", flat)]
    # with the backlog condition switched off, utilisation alone names the batch pool
    alone = find_bottleneck(steps, 0.85, backlog_floor=0)
    assert alone.resource == "batch"
    assert alone.crossing_multiplier == pytest.approx(0.85 / 0.6)
    assert alone.busy_without_backlog == {}


def test_a_backlog_already_there_at_the_lowest_load_must_grow_with_the_load() -> None:
    # the batch pool is at 0.9 from the lowest step, with the same 0.5 waiting per server
    # at every load (bursts of batch work, not the orders'): not saturating with the load
    steps = [
        _step(1, {"batch": 0.9, "endpoint": 0.3}, {"batch": 0.5, "endpoint": 0.1}),
        _step(2, {"batch": 0.9, "endpoint": 0.6}, {"batch": 0.5, "endpoint": 0.4}),
        _step(4, {"batch": 0.92, "endpoint": 0.95}, {"batch": 0.55, "endpoint": 6.0}),
    ]
    found = find_bottleneck(steps, 0.85)
    assert found.resource == "endpoint" and found.busy_without_backlog == {"batch": 1.0}
    assert find_bottleneck(steps, 0.85, backlog_floor=0).resource == "batch"
    # a backlog that is there at the lowest load and keeps growing: saturated from there
    growing = [
        _step(1, {"batch": 0.9}, {"batch": 0.5}),
        _step(2, {"batch": 0.95}, {"batch": 2.0}),
    ]
    found = find_bottleneck(growing, 0.85)
    assert found.resource == "batch" and found.crossing_multiplier == 1
    assert found.backlog_growth == 0.5  # above the empty queue of no load


def test_a_busy_resource_saturates_at_the_first_step_its_backlog_has_grown() -> None:
    # the pool crosses 0.85 at 1.7x with no backlog growth; its queue grows only at 4x,
    # where it saturates, after the endpoint's crossing at 2.83x (its queue grows)
    steps = [
        _step(1, {"pool": 0.5, "endpoint": 0.3}, {"pool": 0.2, "endpoint": 0.1}),
        _step(2, {"pool": 0.9, "endpoint": 0.6}, {"pool": 0.25, "endpoint": 0.4}),
        _step(4, {"pool": 0.99, "endpoint": 0.95}, {"pool": 4.0, "endpoint": 6.0}),
    ]
    found = find_bottleneck(steps, 0.85)
    assert found.resource == "endpoint"
    assert found.crossing_multiplier == pytest.approx(2 + 0.25 / 0.3)
    assert found.crossings == {"endpoint": pytest.approx(2 + 0.25 / 0.3), "pool": 4.0}
    # utilisation alone: the pool at its extrapolated crossing, 0.85 / 0.5 = 1.7x
    alone = find_bottleneck(steps, 0.85, backlog_floor=0)
    assert alone.resource == "pool" and alone.crossing_multiplier == pytest.approx(1.7)


def test_a_tie_goes_to_the_larger_backlog_growth_before_the_higher_utilisation() -> None:
    # both cross at 2x (each extrapolation is kept at the first step above it); b is
    # busier there, a's backlog grew more
    steps = [
        _step(1, {"a": 0.4, "b": 0.3}, {"a": 0.1, "b": 0.1}),
        _step(2, {"a": 0.9, "b": 0.95}, {"a": 3.0, "b": 1.0}),
    ]
    found = find_bottleneck(steps, 0.85)
    assert found.crossings == {"a": 2.0, "b": 2.0}
    assert found.resource == "a" and found.backlog_growth == pytest.approx(2.9)
    # the same backlog growth: the higher utilisation wins
    even = [
        _step(1, {"a": 0.4, "b": 0.3}, {"a": 0.1, "b": 0.1}),
        _step(2, {"a": 0.9, "b": 0.95}, {"a": 3.0, "b": 3.0}),
    ]
    assert find_bottleneck(even, 0.85).resource == "b"


def test_the_backlog_is_read_per_server_and_an_unknown_one_never_grew() -> None:
    # the same 1.2 requests waiting: 1.2 per server on one, 0.075 per server on sixteen
    steps = [
        _step(1, {"one": 0.5, "sixteen": 0.5}, {"one": 0.0, "sixteen": 0.0}, {"sixteen": 16}),
        _step(2, {"one": 0.9, "sixteen": 0.95}, {"one": 1.2, "sixteen": 1.2}, {"sixteen": 16}),
    ]
    found = find_bottleneck(steps, 0.85)
    assert found.resource == "one" and found.backlog_growth == pytest.approx(1.2)
    assert found.busy_without_backlog == {"sixteen": pytest.approx(1.7)}
    assert found.backlog["2"] == [("one", 1.2), ("sixteen", pytest.approx(0.075))]
    unknown = [_step(2, {"x": 0.95}, {"x": math.nan})]
    assert not find_bottleneck(unknown, 0.85).saturated
    assert find_bottleneck(unknown, 0.85, backlog_floor=0).saturated


def test_without_a_saturated_resource_the_nearest_is_named_as_not_saturated() -> None:
    found = find_bottleneck([_step(1, {"a": 0.1, "b": 0.3}), _step(2, {"a": 0.2, "b": 0.6})])
    assert found.resource == "b" and not found.saturated
    assert math.isnan(found.crossing_multiplier) and found.utilisation == 0.6
    assert math.isnan(found.backlog_growth)
    assert find_bottleneck([]).resource is None
    json.dumps(found.to_dict())  # capacity.json takes it as it is
    assert set(found.to_dict()) >= {"ranking", "backlog", "busy_without_backlog", "crossings"}
