"""Drive real o2csim endpoints (and Ciw, for the cross-check) as textbook queueing networks.

Everything here runs the engine exactly as a pattern would: a source process draws Poisson
inter-arrival gaps from a named stream of the run (``validation.arrivals``) and each customer
is a SimPy process calling ``Endpoint.call``. Measurements come only from the history
(``endpoint.call`` rows: value = queue wait, value2 = service time) and from the endpoint's
monitor, with warm-up deletion by arrival time (:func:`sim.estimators.after_warmup`).
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine import (
    CALL_EVENT,
    BufferedDraws,
    Endpoint,
    EndpointSpec,
    Exponential,
    RunEnvironment,
)
from sim.estimators import after_warmup

ARRIVALS_STREAM = "validation.arrivals"

Customer = Callable[[int], Generator[Any, Any, Any]]


def start_poisson_source(run: RunEnvironment, lam: float, stop: float, customer: Customer) -> None:
    """Start a process creating customers ``0, 1, ...`` at Poisson rate ``lam`` until ``stop``."""
    sim = run.sim
    rng = run.streams.stream(ARRIVALS_STREAM)
    gap = BufferedDraws(lambda n: rng.exponential(1.0 / lam, n))

    def source() -> Generator[Any, Any, None]:
        order = 0
        while True:
            delay = gap()
            if sim.now + delay >= stop:
                return
            yield sim.timeout(delay)
            sim.process(customer(order))
            order += 1

    sim.process(source())


def served_calls(run: RunEnvironment, endpoint: Endpoint) -> dict[str, np.ndarray]:
    """The served ``endpoint.call`` rows of one endpoint, with arrival times reconstructed."""
    history = run.history
    cols = history.columns()
    mask = (cols["event"] == history.events.find(CALL_EVENT)) & (
        cols["actor"] == history.actors.find(f"endpoint:{endpoint.name}")
    )
    mask &= cols["status"] == history.statuses.find("ok")
    time, wait, service = cols["time"][mask], cols["value"][mask], cols["value2"][mask]
    return {
        "order": cols["order"][mask],
        "arrival": time - wait - service,
        "wait": wait,
        "service": service,
    }


@dataclass(frozen=True)
class StationRun:
    """One replication of a single station, measured after warm-up deletion."""

    waits: np.ndarray
    """Queue waits of the customers that arrived in ``[warmup, horizon)``."""
    mean_queue: float
    """Time-average number waiting over ``[warmup, horizon)`` (from the endpoint monitor)."""
    mean_busy: float
    """Time-average number in service over ``[warmup, horizon)``."""

    @property
    def mean_wait(self) -> float:
        return float(self.waits.mean())


def run_station(
    seed: int, lam: float, spec: EndpointSpec, *, warmup: float, horizon: float
) -> StationRun:
    """One M/x/c replication: Poisson arrivals until ``horizon``, then drain to empty.

    Arrivals stop at ``horizon`` and the run continues until the last customer leaves, so
    every customer arriving in the window has a history row; with FIFO service a customer's
    wait depends only on earlier arrivals, so stopping arrivals does not bias the window.
    """
    run = RunEnvironment(seed)
    endpoint = Endpoint(run, "station", spec)
    start_poisson_source(run, lam, horizon, endpoint.call)
    monitor = endpoint.monitor
    run.sim.run(until=warmup)
    queue0, busy0 = monitor.mean_counts(warmup)
    run.sim.run(until=horizon)
    queue1, busy1 = monitor.mean_counts(horizon)
    run.sim.run()
    span = horizon - warmup
    calls = served_calls(run, endpoint)
    return StationRun(
        waits=after_warmup(calls["arrival"], calls["wait"], warmup, horizon),
        mean_queue=(queue1 * horizon - queue0 * warmup) / span,
        mean_busy=(busy1 * horizon - busy0 * warmup) / span,
    )


@dataclass(frozen=True)
class TandemRun:
    """One replication of a tandem: per-customer waits and sojourns, stage by stage.

    Arrays have shape ``(stages, customers)`` and hold only the customers whose arrival at the
    first stage fell in ``[warmup, horizon)``.
    """

    waits: np.ndarray
    sojourns: np.ndarray

    def stage_mean_sojourns(self) -> np.ndarray:
        return np.asarray(self.sojourns.mean(axis=1))

    def stage_mean_waits(self) -> np.ndarray:
        return np.asarray(self.waits.mean(axis=1))

    @property
    def mean_total_sojourn(self) -> float:
        return float(self.sojourns.sum(axis=0).mean())

    @property
    def mean_total_wait(self) -> float:
        return float(self.waits.sum(axis=0).mean())


def _tandem_from_visits(
    first_arrival: np.ndarray,
    waits: np.ndarray,
    services: np.ndarray,
    warmup: float,
    horizon: float,
) -> TandemRun:
    """Select the window customers (by arrival at stage 1) and check they finished every stage.

    ``first_arrival`` has one entry per customer id (NaN if it never finished stage 1);
    ``waits``/``services`` have shape ``(stages, customers)`` with NaN for unfinished visits.
    """
    n = first_arrival.size
    ids = after_warmup(first_arrival, np.arange(n), warmup, horizon).astype(np.int64)
    if ids.size == 0:
        raise AssertionError("no customer arrived in the measurement window")
    # Customers are numbered in arrival order, so the window is a contiguous block of ids,
    # followed by a customer who arrived after the window (else the drain was too short).
    contiguous = np.array_equal(ids, np.arange(ids[0], ids[-1] + 1))
    closed = ids[-1] + 1 < n and first_arrival[ids[-1] + 1] >= horizon
    if not (contiguous and closed) or np.isnan(waits[:, ids]).any():
        raise AssertionError("drain too short: some window customers did not finish every stage")
    return TandemRun(waits=waits[:, ids], sojourns=waits[:, ids] + services[:, ids])


def run_tandem(
    seed: int,
    lam: float,
    stages: Sequence[tuple[str, EndpointSpec]],
    *,
    warmup: float,
    horizon: float,
    drain: float,
) -> TandemRun:
    """One replication of endpoints in series; every order calls each stage in turn.

    Arrivals continue until ``horizon + drain`` (the same convention as :func:`run_ciw_tandem`)
    and only customers arriving at the first stage in ``[warmup, horizon)`` are measured.
    """
    run = RunEnvironment(seed)
    endpoints = [Endpoint(run, name, spec) for name, spec in stages]

    def customer(order: int) -> Generator[Any, Any, None]:
        for endpoint in endpoints:
            yield from endpoint.call(order)

    end = horizon + drain
    start_poisson_source(run, lam, end, customer)
    run.sim.run(until=end)
    per_stage = [served_calls(run, endpoint) for endpoint in endpoints]
    n = int(per_stage[0]["order"].max()) + 1 if per_stage[0]["order"].size else 0
    waits = np.full((len(stages), n), math.nan)
    services = np.full((len(stages), n), math.nan)
    for k, calls in enumerate(per_stage):
        orders = calls["order"]
        keep = orders < n
        waits[k, orders[keep]] = calls["wait"][keep]
        services[k, orders[keep]] = calls["service"][keep]
    first_arrival = np.full(n, math.nan)
    first_arrival[per_stage[0]["order"]] = per_stage[0]["arrival"]
    return _tandem_from_visits(first_arrival, waits, services, warmup, horizon)


def exponential_stages(stages: Sequence[tuple[str, int, float]]) -> list[tuple[str, EndpointSpec]]:
    """``(name, servers, mean service time)`` triples as exponential endpoint specs."""
    return [
        (name, EndpointSpec(service_time=Exponential(mean=mean), concurrency=servers))
        for name, servers, mean in stages
    ]


@contextmanager
def _preserved_global_random() -> Iterator[None]:
    """Ciw draws from the global ``random`` module; put its state back afterwards."""
    py_state = random.getstate()
    try:
        yield
    finally:
        random.setstate(py_state)


def run_ciw_tandem(
    seed: int,
    lam: float,
    stages: Sequence[tuple[int, float]],
    *,
    warmup: float,
    horizon: float,
    drain: float,
) -> TandemRun:
    """The same tandem in Ciw: ``stages`` are ``(servers, mean service time)`` pairs.

    Ciw runs until ``horizon + drain`` with arrivals throughout; customers are selected by
    their arrival at node 1 exactly as in :func:`run_tandem`.
    """
    import ciw

    k = len(stages)
    routing = [[1.0 if j == i + 1 else 0.0 for j in range(k)] for i in range(k)]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)] + [None] * (k - 1),
        service_distributions=[ciw.dists.Exponential(rate=1.0 / mean) for _, mean in stages],
        number_of_servers=[servers for servers, _ in stages],
        routing=routing,
    )
    with _preserved_global_random():
        ciw.seed(seed)
        simulation = ciw.Simulation(network)
        simulation.simulate_until_max_time(horizon + drain)
        records = [r for r in simulation.get_all_records() if r.record_type == "service"]
    ids = np.fromiter((r.id_number for r in records), dtype=np.int64, count=len(records))
    nodes = np.fromiter((r.node for r in records), dtype=np.int64, count=len(records)) - 1
    arrival = np.fromiter((r.arrival_date for r in records), dtype=np.float64)
    wait = np.fromiter((r.waiting_time for r in records), dtype=np.float64)
    service = np.fromiter((r.service_time for r in records), dtype=np.float64)
    ids -= 1  # Ciw numbers customers from 1 in order of arrival
    n = int(ids.max()) + 1
    waits = np.full((k, n), math.nan)
    services = np.full((k, n), math.nan)
    waits[nodes, ids] = wait
    services[nodes, ids] = service
    first_arrival = np.full(n, math.nan)
    first = nodes == 0
    first_arrival[ids[first]] = arrival[first]
    return _tandem_from_visits(first_arrival, waits, services, warmup, horizon)


SCALE_ENV = "O2CSIM_VALIDATION_SCALE"


def scaled(customers: int) -> int:
    """``customers`` times the factor in ``$O2CSIM_VALIDATION_SCALE`` (default 1).

    CI runs at scale 1 with the committed seeds; a larger scale runs the same checks longer,
    to tell a real discrepancy from sampling noise when a check is in doubt.
    """
    factor = float(os.environ.get(SCALE_ENV, "1"))
    if not factor > 0:
        raise ValueError(f"{SCALE_ENV} must be a positive number, got {factor}")
    return max(1, round(customers * factor))


PIPELINE_RATE = 1.0
"""Orders per second entering the tandem."""

PIPELINE: tuple[tuple[str, int, float], ...] = (
    ("validation", 2, 1.0),  # utilisation 0.50
    ("erp.create_order", 4, 2.8),  # 0.70
    ("wms.pick", 8, 6.0),  # 0.75
    ("carrier.pickup", 1, 0.5),  # 0.50
)
"""The order pipeline as a tandem: (stage, servers, mean service time in seconds)."""
