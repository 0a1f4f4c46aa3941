"""The integration's own workers: a queue with a capacity, and a fault seam."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sim.checks import run_all
from sim.engine import RunEnvironment
from sim.engine.calendar import HOUR
from sim.integration.blocks import WorkerPool
from sim.run import execute
from sim.scenario import Scenario


def test_a_pool_runs_at_most_its_capacity_in_arrival_order() -> None:
    run = RunEnvironment(seed=1)
    pool = WorkerPool(run, "test", capacity=2)
    pool.start()
    running: list[int] = []
    peak = [0]
    started: list[int] = []

    def work(n: int) -> Generator[Any, Any, None]:
        started.append(n)
        running.append(n)
        peak[0] = max(peak[0], len(running))
        yield run.sim.timeout(10)
        running.remove(n)

    for n in range(5):
        pool.submit(lambda n=n: work(n))
    run.sim.run(until=100)
    assert peak[0] == 2 and started == [0, 1, 2, 3, 4]
    assert run.now == 100 and not running and pool.queued == 0


def test_a_down_pool_starts_nothing_until_it_is_back() -> None:
    run = RunEnvironment(seed=1)
    pool = WorkerPool(run, "test", capacity=4)
    pool.start()
    started: list[float] = []

    def work() -> Generator[Any, Any, None]:
        started.append(run.now)
        yield run.sim.timeout(1)

    pool.set_available(False)
    for _ in range(3):
        pool.submit(work)
    run.sim.run(until=50)
    assert started == [] and pool.busy == 3
    pool.set_available(True)
    run.sim.run(until=60)
    assert started == [50.0, 50.0, 50.0]


def _scenario(pattern: str) -> Scenario:
    return Scenario(
        name="flows down",
        seed=5,
        demand_days=1,
        drain_days=3,
        demand={"orders_per_business_day": 150},
        master_data={"customers": 40, "products": 30},
        integration={"pattern": pattern},
        faults=[
            {
                "kind": "outage",
                "target": "workers:ipaas.flows",
                # 10:00 to 12:00 in the east (hours apply in the customers' local time)
                "windows": [{"start_h": 15, "end_h": 17}],
            }
        ],
    )


def test_an_ipaas_runtime_outage_delays_orders_and_loses_none() -> None:
    result = execute(_scenario("ipaas"))
    validated = [float(r["time"]) for r in result.history.select("integration.validated")]
    inside = [t for t in validated if 15 * HOUR + 60 < t < 17 * HOUR]
    after = [t for t in validated if 17 * HOUR <= t < 17 * HOUR + 600]
    assert not inside  # the runtime started no flow while it was down
    assert len(after) > 5  # the queue drained when it came back
    verdicts = run_all(result.history)
    assert all(v.valid for v in verdicts.values()), [k for k, v in verdicts.items() if not v.valid]
    latency = result.metrics["latency_s"]["order_creation_latency"]
    assert latency["p99"] > HOUR  # orders taken in the outage waited for it


def test_a_worker_fault_on_a_pattern_without_workers_is_not_applicable() -> None:
    result = execute(_scenario("hybrid"))
    assert result.history.select("fault.not_applicable")
    assert not result.history.select("fault.applied") or all(
        "workers" not in str(r["status"]) for r in result.history.select("fault.applied")
    )
