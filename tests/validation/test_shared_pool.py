"""Two endpoints on one shared pool of servers are one FIFO M/M/c queue with two classes.

The pooled station is checked path by path: from the history's arrivals and service times
of both endpoints' requests, merged in arrival order, the Kiefer-Wolfowitz recursion (each
arrival takes the earliest-free of the ``c`` servers) gives the waits a FIFO c-server queue
must produce, and the endpoints' recorded waits must equal them. Each endpoint's service
times are its own keyed draws. The broken variant, each endpoint on servers of its own,
gives different waits, so the check can tell a shared pool from separate ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Endpoint, EndpointSpec, Exponential, RunEnvironment, keyed_units, stream_key
from sim.engine.server_pool import ServerPool
from tests.validation.harness import served_calls, start_poisson_source
from tests.validation.test_erlang_c import kiefer_wolfowitz_waits

pytestmark = pytest.mark.validation

SECOND_CLASS = 1_000_000
"""Order numbers of the second endpoint's customers start here."""


def _pooled_run(servers: int, shared: bool) -> dict[str, np.ndarray]:
    seed = 40_000 + servers
    run = RunEnvironment(seed)
    spec = EndpointSpec(service_time=Exponential(mean=1.0), concurrency=servers)
    pool = ServerPool(run, "pool", servers) if shared else None
    first = Endpoint(run, "first", spec, pool)
    second = Endpoint(run, "second", spec, pool)
    # 0.6 and 0.3 of the pool's capacity: 90% busy together
    n = 10_000
    start_poisson_source(run, 0.6 * servers, n / servers, first.call)
    start_poisson_source(run, 0.3 * servers, n / servers, lambda k: second.call(SECOND_CLASS + k))
    run.sim.run()
    a, b = served_calls(run, first), served_calls(run, second)
    merged = {key: np.concatenate([a[key], b[key]]) for key in a}
    order = np.argsort(merged["arrival"], kind="stable")
    merged = {key: value[order] for key, value in merged.items()}
    # each endpoint's service times are its own keyed draws (order, 1)
    draw = Exponential(mean=1.0).quantile_function()
    for name, calls, offset in (("first", a, 0), ("second", b, SECOND_CLASS)):
        units = keyed_units(stream_key(seed, f"endpoint.{name}"), calls["order"], 1)
        np.testing.assert_array_equal(calls["service"], [draw(u) for u in units.tolist()])
        assert calls["order"].size > 0 and (calls["order"] >= offset).all()
    return merged


@pytest.mark.parametrize("servers", [1, 3])
def test_a_shared_pool_serves_both_endpoints_as_one_fifo_queue(servers: int) -> None:
    calls = _pooled_run(servers, shared=True)
    waits = kiefer_wolfowitz_waits(calls["arrival"], calls["service"], servers)
    np.testing.assert_allclose(calls["wait"], waits, rtol=1e-9, atol=1e-7)
    assert waits.mean() > 0.5  # the pool really queued


def test_separate_servers_are_not_a_shared_pool() -> None:
    servers = 3
    calls = _pooled_run(servers, shared=False)
    pooled = kiefer_wolfowitz_waits(calls["arrival"], calls["service"], servers)
    assert np.abs(calls["wait"] - pooled).max() > 1.0
