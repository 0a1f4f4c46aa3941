"""A simulated year of the baseline distributor: wall time, orders, rows and peak memory.

Runs ``scenarios/baseline.yaml`` with 52 weeks of demand (``--weeks``; about 557,000
orders a year at ~2,200 per business day) and a week of drain, with the long-run memory
settings: the history spills to Parquet parts above ``--budget`` rows in memory and the
finished orders' state is released. Prints, per simulated week, wall time, history rows
and resident memory; then the wall time and peak memory of each phase: simulation,
metrics (``sim.run.execute`` computes them from the spilled history), the invariant
checkers and writing ``history.parquet``. Targets: under 10 minutes and under 2 GiB peak
for the whole year on the 2-core development machine. Usage::

    python benchmarks/year.py [--weeks 52] [--budget 2000000] [--keep PATH]

``--weeks 13`` runs a quarter (print its figures as a quarter; scale them only with a
clear label).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.engine.calendar import DAY
from sim.report.files import write_outputs
from sim.run import execute
from sim.scenario import load_scenario
from sim.scenario.memory import LONG_RUN_HISTORY_BUDGET


def peak_mib() -> float:
    """Peak resident memory of this process so far (``getrusage``, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """Resident memory of this process now."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    """Run the year and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/baseline.yaml"))
    parser.add_argument("--weeks", type=float, default=52.0)
    parser.add_argument("--budget", type=int, default=LONG_RUN_HISTORY_BUDGET)
    parser.add_argument("--set", action="append", default=[], help="extra dotted overrides")
    parser.add_argument("--keep", type=Path, help="write the run folder here (default: temp)")
    args = parser.parse_args()
    overrides = [
        f"demand_days={args.weeks * 7:g}",
        "drain_days=7",
        f"memory.history_budget_rows={args.budget}",
        *args.set,
    ]
    scenario = load_scenario(args.scenario, overrides)
    started = time.perf_counter()
    sim_peak = [0.0]

    samples: list[tuple[float, float]] = []

    def progress(now: float, horizon: float) -> None:
        day = round(now / DAY)
        if day % 7 == 0 or now >= horizon:
            sim_peak[0] = peak_mib()
            samples.append((now, rss_mib()))
            print(
                f"day {day:4d}  wall {time.perf_counter() - started:7.0f} s  "
                f"RSS {samples[-1][1]:7.0f} MiB  peak {sim_peak[0]:7.0f} MiB",
                flush=True,
            )

    result = execute(scenario, progress=progress)
    # rows are recorded in time order: the rows before each sample, part by part
    rows_at = np.zeros(len(samples), dtype=np.int64)
    for times in result.history.chunks("time"):
        rows_at += np.searchsorted(times, [now for now, _ in samples], side="right")
    print("day     rows          RSS MiB  growth since the previous week (bytes/row)")
    previous: tuple[float, int] | None = None
    for (now, rss), rows in zip(samples, rows_at.tolist(), strict=True):
        growth = ""
        if previous is not None and rows > previous[1]:
            growth = f"{(rss - previous[0]) * 2**20 / (rows - previous[1]):8.0f}"
        print(f"{now / DAY:4.0f} {rows:12,} {rss:10.0f}  {growth}")
        previous = (rss, rows)
    after_metrics = peak_mib()
    checks_started = time.perf_counter()
    holds = result.invariants_hold
    checks_wall = time.perf_counter() - checks_started
    after_checks = peak_mib()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch) / "run"
        write_started = time.perf_counter()
        write_outputs(result, folder)
        write_wall = time.perf_counter() - write_started
    after_write = peak_mib()
    history = result.history
    orders = int(result.metrics["volume"]["orders_accepted"])
    print(f"scenario          {args.scenario}, {args.weeks:g} weeks of demand + 1 week drain")
    print(f"orders accepted   {orders:,}")
    print(f"history rows      {len(history):,} ({history.spills} spills, budget {args.budget:,})")
    wall = result.wall_seconds
    print(f"simulate          {wall['simulate']:.0f} s (build {wall['build']:.0f} s)")
    print(f"metrics           {wall['metrics']:.0f} s")
    print(f"invariant checks  {checks_wall:.0f} s (all hold: {holds})")
    print(f"write outputs     {write_wall:.0f} s")
    print(f"total wall        {time.perf_counter() - started:.0f} s (target < 600 s for 52 weeks)")
    print(f"peak RSS simulate {sim_peak[0]:.0f} MiB")
    print(f"peak RSS metrics  {after_metrics:.0f} MiB")
    print(f"peak RSS checks   {after_checks:.0f} MiB")
    print(f"peak RSS write    {after_write:.0f} MiB (target < 2048 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
