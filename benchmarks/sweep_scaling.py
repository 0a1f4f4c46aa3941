"""Speed-up of a sweep on 2 worker processes, and Dask against the process pool.

Runs the same grid sweep (default: scenarios/baseline.yaml cut to one demand day and two
drain days, about 2,400 orders a run; two values of ``demand.lines_per_order_mean`` x 4
replications = 8 tasks) three ways:

* in this process (1 worker),
* on 2 spawned local worker processes (the default executor of ``o2csim sweep``),
* on a Dask ``LocalCluster`` of 2 worker processes (``o2csim sweep --dask 2``),

and prints the wall times, the speed-up of 2 processes over 1 (target: 1.8x or more) and the
ratio of Dask to the process pool, with and without starting the cluster. Every way must
give the same tidy table (checked). No cache is used. The wall time of the parallel runs
includes starting the workers (each imports o2csim), so short runs do not amortise it.

Usage::

    python benchmarks/sweep_scaling.py [--scenario PATH] [--demand-days D] [--drain-days D]
        [--replications N] [--values 2.5,4.5]

Other work on the machine slows the parallel runs more than the serial one; the load
average is printed before and after for that reason.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import time
from pathlib import Path

from sim.compare import PointsResult, grid_sweep
from sim.executors import DaskExecutor, Executor, InProcessExecutor, ProcessExecutor
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished (waited-for) children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(
    scenario_path: Path,
    overrides: list[str],
    grid: dict[str, list[float]],
    n: int,
    executor: Executor,
) -> tuple[float, PointsResult]:
    """Wall seconds of one sweep on ``executor`` (loading the scenario excluded)."""
    scenario = load_scenario(scenario_path, overrides)
    started = time.perf_counter()
    result = grid_sweep(scenario, grid, replications=n, seed=2026, executor=executor)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    parser.add_argument("--demand-days", type=float, default=1.0)
    parser.add_argument("--drain-days", type=float, default=2.0)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--values", default="2.5,4.5", help="demand.lines_per_order_mean values")
    args = parser.parse_args()
    overrides = [f"demand_days={args.demand_days}", f"drain_days={args.drain_days}"]
    grid = {"demand.lines_per_order_mean": [float(v) for v in args.values.split(",")]}
    tasks = len(grid["demand.lines_per_order_mean"]) * args.replications
    print(f"cpus {os.cpu_count()}  load average before {os.getloadavg()[0]:.2f}")
    cpu = [_cpu()]
    serial, one = timed(args.scenario, overrides, grid, args.replications, InProcessExecutor())
    cpu.append(_cpu())
    parallel, two = timed(args.scenario, overrides, grid, args.replications, ProcessExecutor(2))
    cpu.append(_cpu())
    started = time.perf_counter()
    with DaskExecutor.local(2) as dask:
        startup = time.perf_counter() - started
        on_dask, three = timed(args.scenario, overrides, grid, args.replications, dask)
    cpu.append(_cpu())
    cpu_serial, cpu_pool, cpu_dask = (b - a for a, b in itertools.pairwise(cpu))
    orders = one.tidy[one.tidy["kpi"] == "orders_accepted"]["value"].mean()
    print(
        f"scenario {args.scenario.name} ({', '.join(overrides)}): {tasks} tasks, "
        f"{orders:,.0f} orders a run"
    )
    print(f"1 worker (in-process):     {serial:6.1f} s")
    print(f"2 local processes:         {parallel:6.1f} s")
    print(f"Dask LocalCluster, 2 procs: {on_dask:6.1f} s (+{startup:.1f} s to start the cluster)")
    speedup = serial / parallel
    print(
        f"speed-up of 2 processes over 1: {speedup:.2f}x; target >= 1.8x: "
        f"{'met' if speedup >= 1.8 else 'NOT met'}"
    )
    print(
        f"Dask / process pool: {on_dask / parallel:.2f} (sweep only), "
        f"{(on_dask + startup) / parallel:.2f} (with the cluster's start)"
    )
    print(
        f"CPU seconds: {cpu_serial:.1f} in-process, {cpu_pool:.1f} on 2 processes, "
        f"{cpu_dask:.1f} on Dask (cluster start included); on 2 idle cores the pool's "
        f"speed-up is bounded by about {2 * cpu_serial / cpu_pool:.2f}x"
    )
    pids = {w.pid for w in three.workers.values()}
    same = one.tidy.equals(two.tidy) and one.tidy.equals(three.tidy)
    print(f"same table on all three: {same}; Dask worker processes used: {len(pids)}")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
