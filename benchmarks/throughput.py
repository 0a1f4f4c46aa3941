"""Throughput benchmark: o2csim against a bare-SimPy pipeline with as many stages.

Runs a scenario (default: scenarios/baseline.yaml) and measures wall time of the
simulation phase, orders per second of wall time and peak memory. Then, in the same
process, runs a bare SimPy pipeline: the same number of orders, arriving at the same
instants, each passing through K FIFO resource stages with exponential service. K is counted
from o2csim's own history in two ways and both ratios are printed:

* K_calls: served endpoint calls per order (every synchronous system operation);
* K_steps: every timed step an order passes: served endpoint calls, bus deliveries
  applied, warehouse picks and carrier milestones.

The ratio is o2csim wall time / bare wall time for the same orders. Usage::

    python benchmarks/throughput.py [--scenario PATH] [--demand-days D] [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import simpy

from sim.collector import simulation_collector
from sim.engine.calendar import DAY
from sim.scenario import load_scenario
from sim.world import build_world


def run_o2csim(path: Path, demand_days: float | None) -> dict[str, float]:
    """Simulate the scenario; returns timings and counts."""
    overrides = [f"demand_days={demand_days}"] if demand_days else []
    scenario = load_scenario(path, overrides)
    world = build_world(scenario)
    gc.collect()
    started = time.perf_counter()
    with simulation_collector():  # as sim.run.execute runs it
        world.run.sim.run(until=world.horizon_s)
    wall = time.perf_counter() - started
    history = world.run.history
    cols = history.columns()
    call = history.events.find("endpoint.call")
    ok = history.statuses.find("ok")
    served = int(((cols["event"] == call) & (cols["status"] == ok)).sum())
    other_steps = sum(
        int((cols["event"] == history.events.find(name)).sum())
        for name in ("bus.applied", "wms.packed", "carrier.scan")
    )
    orders = len(world.workload.plan.times)
    return {
        "wall": wall,
        "orders": orders,
        "rows": len(history),
        "history_bytes": history.nbytes,
        "stages": served / orders,
        "steps": (served + other_steps) / orders,
        "arrivals": world.workload.plan.times.copy(),
        "horizon": world.horizon_s,
    }


def run_bare(arrivals: np.ndarray, stages: int, horizon: float, seed: int = 1) -> float:
    """A bare SimPy pipeline: each order visits ``stages`` resources in turn."""
    env = simpy.Environment()
    rng = random.Random(seed)
    resources = [simpy.Resource(env, capacity=16) for _ in range(stages)]

    def order() -> simpy.events.ProcessGenerator:
        for res in resources:
            with res.request() as req:
                yield req
                yield env.timeout(rng.expovariate(1.0))

    def source() -> simpy.events.ProcessGenerator:
        for t in arrivals:
            yield env.timeout(float(t) - env.now)
            env.process(order())

    env.process(source())
    gc.collect()
    started = time.perf_counter()
    with simulation_collector():  # the same collector pace as the o2csim run
        env.run(until=horizon)
    return time.perf_counter() - started


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/baseline.yaml"))
    parser.add_argument(
        "--demand-days", type=float, default=None, help="shorten the demand window (quick runs)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="bare-SimPy repetitions")
    args = parser.parse_args()

    ours = run_o2csim(args.scenario, args.demand_days)
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stages = max(1, round(ours["stages"]))
    steps = max(1, round(ours["steps"]))
    bare_calls = statistics.median(
        run_bare(ours["arrivals"], stages, ours["horizon"], seed=i) for i in range(args.repeat)
    )
    bare_steps = statistics.median(
        run_bare(ours["arrivals"], steps, ours["horizon"], seed=i) for i in range(args.repeat)
    )
    orders = ours["orders"]
    print(f"scenario                 {args.scenario} ({ours['horizon'] / DAY:.0f} simulated days)")
    print(f"orders                   {orders:,}")
    print(
        f"history rows             {ours['rows']:,} "
        f"({ours['history_bytes'] / ours['rows']:.1f} bytes/row)"
    )
    print(
        f"stages per order         {ours['stages']:.2f} served calls (K_calls={stages}), "
        f"{ours['steps']:.2f} timed steps (K_steps={steps})"
    )
    print(f"o2csim simulate          {ours['wall']:.2f} s  {orders / ours['wall']:,.0f} orders/s")
    for label, wall in ((f"K_calls={stages}", bare_calls), (f"K_steps={steps}", bare_steps)):
        print(
            f"bare SimPy {label:<13} {wall:.2f} s  {orders / wall:,.0f} orders/s "
            f"(median of {args.repeat})"
        )
    print(f"peak memory (RSS)        {peak_rss_mib:,.0f} MiB")
    print(f"ratio vs K_calls         {ours['wall'] / bare_calls:.2f}  (target <= 3)")
    print(f"ratio vs K_steps         {ours['wall'] / bare_steps:.2f}  (target <= 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
