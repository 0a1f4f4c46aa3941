"""Speed-up of ``compare`` on worker processes: the same comparison with 1 and 2 workers.

Runs ``sim.compare.compare`` on a modest scenario (default: scenarios/baseline.yaml cut to
three demand days and four drain days, about 6,900 orders and 13 s a run) for every built-in pattern
and a few replications, first in-process (1 worker), then on 2 spawned worker processes,
and prints wall times, the speed-up and the parallel efficiency. The wall time with workers
includes starting them (each imports o2csim). It checks that both give the same histories.
The target is a speed-up of at least 1.7 on 2 cores. Runs of a few seconds do not amortise
starting a worker (about 2 s: each imports o2csim), which is why the default runs are a
few days long; measured on 2 idle cores: 106.9 s with 1 worker, 54.2 s with 2 (1.97x).
Usage::

    python benchmarks/compare_workers.py [--scenario PATH] [--demand-days D]
        [--drain-days D] [--replications N] [--patterns a,b] [--workers W] [--repeat K]

A speed-up needs idle cores: other work on the machine (a test session, another
benchmark) slows the parallel run more than the serial one. The script prints the load
average before and after for that reason.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from pathlib import Path

from sim.compare import CompareResult, compare
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(
    scenario_path: Path, overrides: list[str], patterns: list[str] | None, n: int, workers: int
) -> tuple[float, float, CompareResult]:
    """Wall and CPU seconds of one comparison (loading the scenario excluded), its result.

    The CPU seconds include the worker processes (counted once they have exited), so they
    show the work the parallel run adds: starting workers, sending tasks and results.
    """
    scenario = load_scenario(scenario_path, overrides)
    cpu, started = _cpu(), time.perf_counter()
    result = compare(scenario, patterns, replications=n, seed=2026, workers=workers)
    return time.perf_counter() - started, _cpu() - cpu, result


def _run_seconds(result: CompareResult) -> list[float]:
    """Wall seconds each run spent building, simulating and measuring, wherever it ran."""
    return [sum(r.wall_seconds.values()) for reps in result.replications.values() for r in reps]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    parser.add_argument("--demand-days", type=float, default=3.0)
    parser.add_argument("--drain-days", type=float, default=4.0)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--patterns", default=None, help="comma-separated (default: built-ins)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="alternate runs of each, best kept")
    args = parser.parse_args()
    overrides = [f"demand_days={args.demand_days}", f"drain_days={args.drain_days}"]
    patterns = args.patterns.split(",") if args.patterns else None
    print(f"cpus {os.cpu_count()}  load average before {os.getloadavg()[0]:.2f}")
    serial_times, parallel_times, serial_cpu, parallel_cpu = [], [], [], []
    serial = parallel = None
    for _ in range(args.repeat):
        wall, cpu, serial = timed(args.scenario, overrides, patterns, args.replications, 1)
        serial_times.append(wall)
        serial_cpu.append(cpu)
        wall, cpu, parallel = timed(
            args.scenario, overrides, patterns, args.replications, args.workers
        )
        parallel_times.append(wall)
        parallel_cpu.append(cpu)
    assert serial is not None and parallel is not None
    summary = serial.summary
    runs = len(summary["patterns"]) * summary["replications"]
    orders = serial.tidy[serial.tidy["kpi"] == "orders_accepted"]["value"].mean()
    simulate = _run_seconds(serial)
    in_workers = _run_seconds(parallel)
    same = summary["history_sha256"] == parallel.summary["history_sha256"]
    best_serial, best_parallel = min(serial_times), min(parallel_times)
    speedup = best_serial / best_parallel
    print(
        f"scenario {args.scenario.name} ({', '.join(overrides)}): {runs} runs "
        f"({', '.join(summary['patterns'])} x {summary['replications']} replications), "
        f"{orders:,.0f} orders a run; building, simulating and measuring a run took "
        f"{statistics.mean(simulate):.2f} s in-process, {statistics.mean(in_workers):.2f} s "
        "in a worker"
    )
    if statistics.mean(in_workers) > 1.1 * statistics.mean(simulate):
        print("runs were slower in workers: the cores were shared with other work")
    print(f"1 worker:  {best_serial:.1f} s   (all: {', '.join(f'{t:.1f}' for t in serial_times)})")
    print(
        f"{args.workers} workers: {best_parallel:.1f} s   "
        f"(all: {', '.join(f'{t:.1f}' for t in parallel_times)})"
    )
    print(
        f"speed-up {speedup:.2f}x, parallel efficiency {speedup / args.workers:.0%}; "
        f"target >= 1.7x on 2 cores: {'met' if speedup >= 1.7 else 'NOT met'}"
    )
    cpu_one, cpu_many = min(serial_cpu), min(parallel_cpu)
    print(
        f"CPU seconds: {cpu_one:.1f} in-process, {cpu_many:.1f} with {args.workers} workers "
        f"(+{cpu_many / cpu_one - 1:.1%}: starting workers, each warming up, moving tasks and "
        "results); "
        f"on {args.workers} idle cores that bounds the speed-up at about "
        f"{args.workers * cpu_one / cpu_many:.2f}x"
    )
    print(f"same histories with 1 and {args.workers} workers: {same}")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
