"""The ERP's capacity is shared and contended: work processes, order size, enqueue locks.

Small hand-built worlds: an ERP whose APIs take exact times, calls fired at chosen instants.
Each mechanism is shown to act, and shown to vanish with its off switch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mock_systems.erp import ErpConfig, ErpEndpoints, WorkProcesses
from sim.engine import Constant, EndpointSpec, LogNormal, RunEnvironment
from sim.engine.server_pool import ServerPool
from tests.helpers import at
from tests.unit.test_erp_rules import erp_config, make_erp, request

ONE_SECOND = EndpointSpec(service_time=Constant(value=1.0), concurrency=16)


def _erp(pools: WorkProcesses, **endpoints: EndpointSpec) -> tuple[RunEnvironment, Any]:
    config = erp_config(
        endpoints=ErpEndpoints(
            simulate_order=endpoints.get("simulate_order", ONE_SECOND),
            create_order=endpoints.get("create_order", ONE_SECOND),
            delivery_update=ONE_SECOND,
        ),
        work_processes=pools,
    )
    run, erp = make_erp(config)
    erp.add_customer("C1", "Acme", "northeast", 1e9, 0.0)
    erp.add_customer("C2", "Bolt", "northeast", 1e9, 0.0)
    for material in ("M1", "M2", "M3"):
        erp.add_material(material, 10.0)
        erp.set_stock("NJ01", material, 10_000, 0, 0)
    return run, erp


def _calls(run: RunEnvironment, endpoint: str) -> list[dict[str, Any]]:
    return [r for r in run.history.select("endpoint.call") if r["actor"] == f"endpoint:{endpoint}"]


def _validation_waits(pools: WorkProcesses) -> tuple[float, float]:
    """Mean queue wait of validation calls during a batch job and after it."""
    run, erp = _erp(pools)
    run.sim.process(erp._background_job("billing_due_list", 120.0))
    for k in range(450):  # three validations every two seconds, for five minutes
        at(run, 1.0 + k / 1.5, lambda k=k: erp.simulate_order(request(1000 + k)))
    run.sim.run(until=600.0)
    rows = _calls(run, "erp.simulate_order")
    arrived = [(r["time"] - r["value2"] - r["value"], r["value"]) for r in rows]
    during = [wait for when, wait in arrived if when < 120.0]
    after = [wait for when, wait in arrived if when > 180.0]  # once the backlog is gone
    assert len(during) > 100 and len(after) > 100
    return float(np.mean(during)), float(np.mean(after))


def test_a_batch_job_on_the_work_processes_slows_validation_calls_made_during_it() -> None:
    # 4 dialog work processes; the batch takes 3 of them for 120 s, leaving one for 1.5
    # one-second validations a second: a queue builds while it runs, none after
    pools = WorkProcesses(dialog=4, background=1, batch_packets=3)
    during, after = _validation_waits(pools)
    assert during > 10.0
    assert after < 0.5


def test_without_the_shared_pool_a_batch_job_does_not_slow_validation() -> None:
    pools = WorkProcesses(shared=False, batch_packets=3)
    during, after = _validation_waits(pools)
    assert during == after == 0.0


def test_a_busy_pool_stretches_the_batch_job_itself() -> None:
    run, erp = _erp(WorkProcesses(dialog=2, background=1, batch_packets=2))
    for k in range(4):  # both dialog work processes busy for the first 10 s
        at(
            run,
            0.0,
            lambda k=k: erp.simulate_order(request(k)),
        )
    finished: list[float] = []

    def job() -> Any:
        yield run.sim.timeout(0.5)
        yield from erp._background_job("allocation_run", 60.0)
        finished.append(run.now)

    run.sim.process(job())
    run.sim.run(until=200.0)
    # the two one-second calls in service end at 1 s, the queued two at 2 s: the job's
    # packets wait behind them, so it ends at 62 s instead of 60.5 s
    assert finished == [62.0]
    work = run.history.select("pool.work")
    assert sorted(r["status"] for r in work) == ["allocation_run"] * 3  # 2 dialog + 1 bg


def _p95_latency(rate_per_s: float) -> float:
    spec = EndpointSpec(service_time=LogNormal(mean=1.0, cv=0.5), concurrency=16)
    run, erp = _erp(WorkProcesses(dialog=8), simulate_order=spec)
    gaps = np.random.default_rng(7).exponential(1 / rate_per_s, int(rate_per_s * 1200))
    arrivals = np.cumsum(gaps)  # twenty minutes of Poisson arrivals
    for k, when in enumerate(arrivals):
        at(run, float(when), lambda k=k: erp.simulate_order(request(k)))
    run.sim.run(until=float(arrivals[-1]) + 600.0)
    rows = _calls(run, "erp.simulate_order")
    return float(np.percentile([r["value"] + r["value2"] for r in rows], 95))


def test_validation_latency_grows_with_load() -> None:
    # 8 work processes of 1 s mean: 1.5/s is ~19% busy, 7.5/s is ~94% busy
    normal, peak = _p95_latency(1.5), _p95_latency(7.5)
    assert peak > 2 * normal


def test_service_time_grows_with_the_order_lines() -> None:
    per_line = EndpointSpec(
        service_time=Constant(value=0.5), concurrency=16, per_line=Constant(value=0.1)
    )
    run, erp = _erp(WorkProcesses(), simulate_order=per_line)
    at(run, 0.0, lambda: erp.simulate_order(request(1, (("M1", 1, 10.0),))))
    lines = tuple(("M1", 1, 10.0) for _ in range(10))
    at(run, 0.0, lambda: erp.simulate_order(request(2, lines)))
    run.sim.run(until=10.0)
    service = {r["order"]: r["value2"] for r in _calls(run, "erp.simulate_order")}
    assert service[1] == 0.6 and service[2] == 1.5


def _create_ends(locks: bool, customers: tuple[str, ...]) -> list[float]:
    run, erp = _erp(WorkProcesses(dialog=8, locks=locks, commit_share=0.5))
    for k, customer in enumerate(customers):
        material = f"M{k % 3 + 1}"
        at(
            run,
            0.0,
            lambda k=k, c=customer, m=material: erp.create_order(
                request(k, ((m, 1, 10.0),), sold_to=c), f"key{k}"
            ),
        )
    run.sim.run(until=100.0)
    return sorted(r["time"] for r in _calls(run, "erp.create_order"))


def test_concurrent_creates_for_one_customer_serialise_on_its_credit_lock() -> None:
    # each create works 0.5 s, then commits 0.5 s holding the customer's lock
    assert _create_ends(True, ("C1",) * 3) == [1.0, 1.5, 2.0]
    waits = [r["value"] for r in _calls_lock(_create_run(True))]
    assert sorted(waits) == [0.5, 1.0]  # the first found its records free: no row


def test_without_locks_concurrent_creates_for_one_customer_run_in_parallel() -> None:
    assert _create_ends(False, ("C1",) * 3) == [1.0, 1.0, 1.0]


def test_creates_for_different_customers_and_materials_do_not_wait() -> None:
    assert _create_ends(True, ("C1", "C2")) == [1.0, 1.0]


def test_creates_for_one_hot_material_wait_for_each_other() -> None:
    run, erp = _erp(WorkProcesses(dialog=8, commit_share=0.5))
    for k, customer in enumerate(("C1", "C2")):
        at(
            run,
            0.0,
            lambda k=k, c=customer: erp.create_order(
                request(k, (("M1", 1, 10.0),), sold_to=c), f"key{k}"
            ),
        )
    run.sim.run(until=100.0)
    assert sorted(r["time"] for r in _calls(run, "erp.create_order")) == [1.0, 1.5]


def _create_run(locks: bool) -> RunEnvironment:
    run, erp = _erp(WorkProcesses(dialog=8, locks=locks, commit_share=0.5))
    for k in range(3):
        at(run, 0.0, lambda k=k: erp.create_order(request(k, (("M1", 1, 10.0),)), f"key{k}"))
    run.sim.run(until=100.0)
    return run


def _calls_lock(run: RunEnvironment) -> list[dict[str, Any]]:
    return run.history.select("lock.wait")


def test_the_shared_pool_is_declared_in_the_history_with_its_members() -> None:
    run, erp = _erp(WorkProcesses(dialog=7))
    assert isinstance(erp.dialog, ServerPool)
    declared = run.history.select("pool.declared")
    assert {(r["actor"], r["value"]) for r in declared} == {
        ("pool:erp.dialog", 7.0),
        ("pool:erp.background", 4.0),
    }
    members = {(r["actor"], r["status"]) for r in run.history.select("pool.member")}
    assert ("endpoint:erp.create_order", "erp.dialog") in members
    assert ("endpoint:erp.simulate_order", "erp.dialog") in members
    off, _ = _erp(WorkProcesses(shared=False))
    # without the shared pool each API declares servers of its own
    own = {(r["actor"], r["value"]) for r in off.history.select("pool.declared")}
    assert ("pool:erp.create_order", 16.0) in own
    assert not any(actor == "pool:erp.dialog" for actor, _ in own)


def test_default_erp_config_shares_its_work_processes() -> None:
    assert ErpConfig().work_processes.shared and ErpConfig().work_processes.locks
