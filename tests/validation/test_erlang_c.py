"""An Endpoint configured as M/M/c matches Erlang C (mean wait Wq and mean queue length Lq).

Method: for each (c, rho) run ``REPLICATIONS`` independent replications (distinct seeds), each
starting empty. Warm-up deletion drops customers that arrived in the first ten relaxation
times ``10 / (c mu (1 - sqrt(rho))^2)``; Wq is the mean history wait of the customers that
arrived in the window and Lq the endpoint monitor's time-average queue over the same window.
A 95% Student-t interval over the replication means must contain the Erlang C value, or the
point estimate must lie within 3% of it. The 95% is family-wise: the twelve cases are twelve
tests, so each case's interval is built at 1 - 0.05/12 (Bonferroni) and all twelve intervals
together cover their true values with probability at least 95%. Per-case 95% intervals would
fail one of the twelve cases about 46% of the time on a correct engine.

Run lengths: the customers per case are set from the asymptotic variance of the sample mean
wait (measured offline with an independent Kiefer-Wolfowitz simulation) so that every case
has a relative standard error of roughly 2.3% (see docs/methodology.md).
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest

from sim.engine import (
    BufferedDraws,
    Endpoint,
    EndpointSpec,
    Exponential,
    Gamma,
    RandomStreams,
    RunEnvironment,
    keyed_units,
    stream_key,
)
from sim.estimators import ConfidenceInterval, erlang_c, replication_interval
from tests.validation.harness import (
    ARRIVALS_STREAM,
    StationRun,
    run_station,
    scaled,
    served_calls,
    start_poisson_source,
)

pytestmark = pytest.mark.validation

REL_TOL = 0.03
LEVEL = 0.95
REPLICATIONS = 10
MU = 1.0

# (servers, utilisation, customers over all replications)
CASES: tuple[tuple[int, float, int], ...] = (
    (1, 0.5, 100_000),
    (1, 0.8, 200_000),
    (1, 0.9, 840_000),
    (2, 0.5, 100_000),
    (2, 0.8, 300_000),
    (2, 0.9, 800_000),
    (4, 0.5, 240_000),
    (4, 0.8, 480_000),
    (4, 0.9, 1_260_000),
    (8, 0.5, 600_000),
    (8, 0.8, 540_000),
    (8, 0.9, 1_680_000),
)


CASE_LEVEL = 1.0 - (1.0 - LEVEL) / len(CASES)  # Bonferroni over the (c, rho) cases


def warmup_time(servers: int, rho: float, mu: float = MU) -> float:
    """Ten relaxation times of an M/M/c queue started empty (heavy-traffic approximation)."""
    return 10.0 / (servers * mu * (1.0 - math.sqrt(rho)) ** 2)


def replicate(
    servers: int,
    rho: float,
    customers: int,
    seed_base: int,
    spec: EndpointSpec | None = None,
    replications: int = REPLICATIONS,
) -> list[StationRun]:
    """Independent replications of one station at arrival rate ``rho * servers * MU``."""
    lam = rho * servers * MU
    if spec is None:
        spec = EndpointSpec(service_time=Exponential(mean=1.0 / MU), concurrency=servers)
    warmup = warmup_time(servers, rho)
    horizon = warmup + scaled(customers) / replications / lam
    return [
        run_station(seed_base + r, lam, spec, warmup=warmup, horizon=horizon)
        for r in range(replications)
    ]


def intervals(
    runs: list[StationRun], level: float = CASE_LEVEL
) -> tuple[ConfidenceInterval, ConfidenceInterval]:
    """Intervals for Wq and Lq over the replication means (family-wise 95% by default)."""
    return (
        replication_interval([run.mean_wait for run in runs], level),
        replication_interval([run.mean_queue for run in runs], level),
    )


@pytest.mark.parametrize(
    ("case", "servers", "rho", "customers"),
    [(i, c, rho, n) for i, (c, rho, n) in enumerate(CASES)],
    ids=[f"c{c}-rho{rho}" for c, rho, _ in CASES],
)
def test_mmc_endpoint_matches_erlang_c(case: int, servers: int, rho: float, customers: int) -> None:
    lam = rho * servers * MU
    expected = erlang_c(servers, lam, MU)
    runs = replicate(servers, rho, customers, seed_base=10_000 + 100 * case)
    wq, lq = intervals(runs)
    print(
        f"M/M/{servers} rho={rho}: Wq analytic {expected.wq:.6g} vs {wq} "
        f"(rel err {wq.relative_error(expected.wq):.2%}); "
        f"Lq analytic {expected.lq:.6g} vs {lq} (rel err {lq.relative_error(expected.lq):.2%})"
    )
    assert wq.agrees_with(expected.wq, REL_TOL), f"Wq {wq} vs Erlang C {expected.wq:.6g}"
    assert lq.agrees_with(expected.lq, REL_TOL), f"Lq {lq} vs Erlang C {expected.lq:.6g}"


# --- the checker catches broken variants -------------------------------------------------


def test_wrong_concurrency_is_caught() -> None:
    """An endpoint with 3 servers does not pass for the M/M/2 it was meant to be."""
    servers, rho = 2, 0.8
    expected = erlang_c(servers, rho * servers * MU, MU)
    spec = EndpointSpec(service_time=Exponential(mean=1.0 / MU), concurrency=servers + 1)
    wq, lq = intervals(replicate(servers, rho, 100_000, seed_base=20_000, spec=spec))
    print(f"3 servers sold as M/M/2: Wq {wq} vs {expected.wq:.6g}; Lq {lq} vs {expected.lq:.6g}")
    assert not wq.agrees_with(expected.wq, REL_TOL)
    assert not lq.agrees_with(expected.lq, REL_TOL)


@pytest.mark.parametrize("cv", [0.5, 2.0])
def test_non_exponential_service_is_caught(cv: float) -> None:
    """Gamma service with cv != 1 (M/G/2) does not match the M/M/2 Erlang C figures."""
    servers, rho = 2, 0.8
    expected = erlang_c(servers, rho * servers * MU, MU)
    spec = EndpointSpec(service_time=Gamma(mean=1.0 / MU, cv=cv), concurrency=servers)
    runs = replicate(servers, rho, 100_000, seed_base=21_000 + int(cv * 100), spec=spec)
    wq, lq = intervals(runs)
    print(f"Gamma cv={cv} service: Wq {wq} vs {expected.wq:.6g}; Lq {lq} vs {expected.lq:.6g}")
    assert not wq.agrees_with(expected.wq, REL_TOL)
    assert not lq.agrees_with(expected.lq, REL_TOL)


# --- the endpoint is an exact FIFO multi-server queue, path by path -----------------------


@pytest.mark.parametrize("servers", [1, 2, 4, 8])
def test_endpoint_waits_equal_the_kiefer_wolfowitz_recursion(servers: int) -> None:
    """Given the run's own random streams, the endpoint's waits are exactly FIFO M/M/c.

    The arrival gaps and service times are redrawn here from a fresh copy of the run's
    arrival stream and from the endpoint's keyed stream, and the Kiefer-Wolfowitz recursion
    (each arrival, in order, takes the earliest-free server) gives the waits a FIFO c-server
    queue must produce. Path-by-path equality means any statistical discrepancy above could
    only be sampling noise.
    """
    seed, lam, n = 30_000 + servers, 0.9 * servers, 20_000
    run = RunEnvironment(seed)
    spec = EndpointSpec(service_time=Exponential(mean=1.0), concurrency=servers)
    endpoint = Endpoint(run, "station", spec)
    start_poisson_source(run, lam, n / lam, endpoint.call)
    run.sim.run()
    calls = served_calls(run, endpoint)
    order = np.argsort(calls["order"])
    assert np.array_equal(calls["order"][order], np.arange(order.size))

    streams = RandomStreams(seed)
    gap = BufferedDraws(lambda k: streams.stream(ARRIVALS_STREAM).exponential(1.0 / lam, k))
    # customer k's service is the first keyed draw of order k at the endpoint
    units = keyed_units(stream_key(seed, "endpoint.station"), np.arange(order.size), 1)
    draw = Exponential(mean=1.0).quantile_function()
    arrivals = np.cumsum([gap() for _ in range(order.size)])
    services = np.array([draw(u) for u in units.tolist()])
    waits = kiefer_wolfowitz_waits(arrivals, services, servers)

    np.testing.assert_allclose(calls["arrival"][order], arrivals, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(calls["service"][order], services)
    np.testing.assert_allclose(calls["wait"][order], waits, rtol=1e-12, atol=1e-9)
    assert order.size > 0.9 * n and waits.mean() > 0.1  # the queue was really exercised
    # The comparison is sharp: one server more or less gives different waits.
    for wrong in (servers - 1, servers + 1):
        if wrong >= 1:
            wrong_waits = kiefer_wolfowitz_waits(arrivals, services, wrong)
            assert np.abs(calls["wait"][order] - wrong_waits).max() > 1.0


def kiefer_wolfowitz_waits(arrivals: np.ndarray, services: np.ndarray, servers: int) -> np.ndarray:
    """FIFO waits of a ``servers``-server queue: each arrival takes the earliest-free server."""
    free = [0.0] * servers
    waits = np.empty(arrivals.size)
    for i, (arrival, service) in enumerate(zip(arrivals.tolist(), services.tolist(), strict=True)):
        start = max(arrival, free[0])
        waits[i] = start - arrival
        heapq.heapreplace(free, start + service)
    return waits
