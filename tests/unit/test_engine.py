"""Unit tests of the engine layer: streams, history, rate limit, endpoint."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import pytest

from sim.engine import (
    CALL_EVENT,
    Constant,
    Endpoint,
    EndpointSpec,
    Exponential,
    History,
    RandomStreams,
    RateLimitSpec,
    RunEnvironment,
    SlidingWindowLimiter,
)


def test_named_streams_do_not_depend_on_creation_order() -> None:
    a = RandomStreams(7)
    b = RandomStreams(7)
    a.stream("x")
    first = a.stream("workload").random(5)
    second = b.stream("workload").random(5)  # "x" never created in b
    assert np.array_equal(first, second)
    assert not np.array_equal(RandomStreams(8).stream("workload").random(5), first)
    assert not np.array_equal(RandomStreams(7).stream("other").random(5), first)


def test_negative_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        RandomStreams(-1)


def test_history_stays_under_64_bytes_per_row_at_a_million_rows() -> None:
    history = History()
    event = history.event_code("e")
    actor = history.actor_code("a")
    record = history.record
    for i in range(1_000_000):
        record(float(i), event, actor, i, -1, 0, 1.0, 2.0)
    assert len(history) == 1_000_000
    assert history.nbytes / len(history) <= 64
    cols = history.columns()
    assert cols["order"][999_999] == 999_999
    assert cols["time"].dtype == np.float64 and cols["event"].dtype == np.uint16


def test_history_hash_tracks_content_and_vocabulary() -> None:
    def build(status: str) -> History:
        h = History()
        h.record(1.0, h.event_code("e"), h.actor_code("a"), 3, -1, h.status_code(status))
        return h

    assert build("ok").content_hash() == build("ok").content_hash()
    assert build("ok").content_hash() != build("held").content_hash()


def test_history_to_arrow_decodes_names() -> None:
    h = History()
    h.record(
        1.5, h.event_code("erp.order_created"), h.actor_code("erp"), 4, 2, h.status_code("CREATED")
    )
    table = h.to_arrow()
    row = table.to_pylist()[0]  # type: ignore[attr-defined]
    assert row["event"] == "erp.order_created" and row["status"] == "CREATED"
    assert row["order"] == 4 and math.isnan(row["value"])


def test_sliding_window_admits_up_to_the_limit_then_says_when_to_retry() -> None:
    limiter = SlidingWindowLimiter(RateLimitSpec(requests=2, window_s=10))
    assert limiter.admit(0.0) == 0.0
    assert limiter.admit(1.0) == 0.0
    assert limiter.admit(2.0) == pytest.approx(8.0)
    assert limiter.admit(10.0) == 0.0  # the call at t=0 left the window
    assert limiter.in_window(10.0) == 2


def _drive(run: RunEnvironment, endpoint: Endpoint, arrivals: list[float]) -> list[str]:
    results: list[str] = []

    def caller(at: float, order: int) -> Generator[Any, Any, None]:
        yield run.sim.timeout(at)
        result = yield from endpoint.call(order)
        results.append(f"{order}:{result.status}@{run.now:g}")

    for i, at in enumerate(arrivals):
        run.sim.process(caller(at, i))
    run.sim.run()
    return results


def test_endpoint_serves_fifo_within_its_concurrency() -> None:
    run = RunEnvironment(1)
    ep = Endpoint(run, "erp.create", EndpointSpec(service_time=Constant(value=2), concurrency=1))
    assert _drive(run, ep, [0, 0, 0]) == ["0:ok@2", "1:ok@4", "2:ok@6"]
    cols = run.history.columns()
    calls = cols["event"] == run.history.events.find(CALL_EVENT)
    assert list(cols["value"][calls]) == [0.0, 2.0, 4.0]  # queue waits
    waiting, in_service = ep.monitor.mean_counts(6.0)
    assert waiting == pytest.approx((2 * 2 + 1 * 2) / 6)
    assert in_service == pytest.approx(1.0)


def test_endpoint_throttles_with_retry_after_and_refuses_when_down() -> None:
    run = RunEnvironment(1)
    spec = EndpointSpec(
        service_time=Constant(value=1),
        concurrency=4,
        rate_limit=RateLimitSpec(requests=1, window_s=60),
    )
    ep = Endpoint(run, "crm.update", spec)
    assert _drive(run, ep, [0, 5]) == ["0:ok@1", "1:throttled@5"]
    down = Endpoint(run, "wms", EndpointSpec(service_time=Exponential(mean=1)))
    down.set_available(False)
    assert _drive(run, down, [0]) == [f"0:unavailable@{run.now:g}"]


def test_same_seed_same_service_times() -> None:
    def times(seed: int) -> list[float]:
        run = RunEnvironment(seed)
        ep = Endpoint(run, "x", EndpointSpec(service_time=Exponential(mean=1), concurrency=2))
        _drive(run, ep, [0.0] * 20)
        return [r["value2"] for r in run.history.select("endpoint.call")]

    assert times(3) == times(3)
    assert times(3) != times(4)
