"""Throughput benchmark: o2csim against a bare-SimPy pipeline with as many stages.

Runs a scenario (default: scenarios/baseline.yaml) and measures wall time of the
simulation phase, orders per second of wall time and peak memory. Then, in the same
process, runs a bare SimPy pipeline: the same number of orders, arriving at the same
instants, each passing through K FIFO resource stages with exponential service, where K is
the number of served endpoint calls per order that o2csim made. It prints both and the
ratio (o2csim wall time / bare wall time). Usage::

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
    world.run.sim.run(until=world.horizon_s)
    wall = time.perf_counter() - started
    history = world.run.history
    cols = history.columns()
    call = history.events.find("endpoint.call")
    ok = history.statuses.find("ok")
    served = int(((cols["event"] == call) & (cols["status"] == ok)).sum())
    orders = len(world.workload.plan.times)
    return {
        "wall": wall,
        "orders": orders,
        "rows": len(history),
        "history_bytes": history.nbytes,
        "stages": served / orders,
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
    env.run(until=horizon)
    return time.perf_counter() - started


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/baseline.yaml"))
    parser.add_argument("--demand-days", type=float, default=None,
                        help="shorten the demand window (quick runs)")
    parser.add_argument("--repeat", type=int, default=3, help="bare-SimPy repetitions")
    args = parser.parse_args()

    ours = run_o2csim(args.scenario, args.demand_days)
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stages = max(1, round(ours["stages"]))
    bare = [run_bare(ours["arrivals"], stages, ours["horizon"], seed=i)
            for i in range(args.repeat)]
    bare_wall = statistics.median(bare)
    orders = ours["orders"]
    print(f"scenario                 {args.scenario} ({ours['horizon'] / DAY:.0f} simulated days)")
    print(f"orders                   {orders:,}")
    print(f"history rows             {ours['rows']:,} "
          f"({ours['history_bytes'] / ours['rows']:.1f} bytes/row)")
    print(f"stages per order         {ours['stages']:.2f} served endpoint calls -> bare K={stages}")
    print(f"o2csim simulate          {ours['wall']:.2f} s  {orders / ours['wall']:,.0f} orders/s")
    print(f"bare SimPy pipeline      {bare_wall:.2f} s  {orders / bare_wall:,.0f} orders/s "
          f"(median of {args.repeat})")
    print(f"peak memory (RSS)        {peak_rss_mib:,.0f} MiB")
    print(f"ratio o2csim / bare      {ours['wall'] / bare_wall:.2f}  (target <= 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
