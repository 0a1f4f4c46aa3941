"""Memory benchmark: process memory growth per history row over a long run.

Runs the baseline distributor with a long demand window and samples, once per simulated
day, the history's rows and the process's resident memory (RSS). The growth per row is the
RSS at the end of the demand window minus the RSS at ``--from-day``, divided by the rows
recorded in between: everything the process keeps per step, not only the history. It runs
the same world four ways, each in a fresh process (RSS is a whole-process figure):

* history kept whole, finished orders' state kept (``memory.history_budget_rows=null``,
  ``memory.release_finished_orders=false``), as before the memory bounds;
* history spilled (``--budget`` rows, default 200,000), state kept;
* history kept whole, state released;
* both bounds on: the long-run setting. Target: 48 bytes a row or less.

Customers pay on 30-day terms, so an unpaid invoice's payment is in flight for a month:
measure from day 40 or later (``--demand-days 60 --from-day 40``, a few minutes a variant)
to see the steady state of a long run. Usage::

    python benchmarks/memory.py [--demand-days D] [--from-day F] [--budget ROWS] [--only NAME]
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

VARIANTS: dict[str, list[str]] = {
    "kept": ["memory.history_budget_rows=null", "memory.release_finished_orders=false"],
    "spill": ["memory.release_finished_orders=false"],
    "release": ["memory.history_budget_rows=null"],
    "spill+release": [],
}
"""Overrides of each variant (the spill variants add the budget)."""


def rss_bytes() -> int:
    """Resident memory of this process, from ``/proc/self/status``."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def measure(scenario_path: Path, overrides: list[str], from_day: float) -> dict[str, float]:
    """Simulate (no metrics) and return the growth per row between ``from_day`` and the end."""
    from sim.engine.calendar import DAY
    from sim.run import simulate
    from sim.scenario import load_scenario
    from sim.world import build_world

    scenario = load_scenario(scenario_path, overrides)
    world = build_world(scenario)
    history = world.run.history
    samples: list[tuple[float, int, int]] = []

    def sample(now: float, horizon: float) -> None:
        gc.collect()
        samples.append((now / DAY, len(history), rss_bytes()))

    started = time.perf_counter()
    end = scenario.demand_days * DAY
    simulate(world.run.sim, history, end, scenario.memory, sample)
    wall = time.perf_counter() - started
    first = next(s for s in samples if s[0] >= from_day)
    last = samples[-1]
    rows = last[1] - first[1]
    return {
        "from_day": first[0],
        "to_day": last[0],
        "rows": rows,
        "rss_from_mib": first[2] / 2**20,
        "rss_to_mib": last[2] / 2**20,
        "bytes_per_row": (last[2] - first[2]) / rows,
        "history_rows_in_memory": history.rows_in_memory,
        "history_spills": history.spills,
        "wall_s": wall,
    }


def main() -> int:
    """Run every variant in a child process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/baseline.yaml"))
    parser.add_argument("--demand-days", type=float, default=14.0)
    parser.add_argument("--from-day", type=float, default=4.0)
    parser.add_argument("--budget", type=int, default=200_000, help="history rows in memory")
    parser.add_argument("--only", choices=sorted(VARIANTS), help="run one variant, here")
    args = parser.parse_args()
    common = [f"demand_days={args.demand_days}", "drain_days=0"]
    if args.only:
        overrides = [*common, *VARIANTS[args.only]]
        if "spill" in args.only:
            overrides.append(f"memory.history_budget_rows={args.budget}")
        print(json.dumps(measure(args.scenario, overrides, args.from_day)))
        return 0
    print(f"scenario {args.scenario}, demand {args.demand_days:g} days, from day {args.from_day:g}")
    print(
        f"{'variant':<14} {'rows':>11} {'RSS from':>9} {'RSS to':>9} {'bytes/row':>10} {'wall':>7}"
    )
    for name in VARIANTS:
        child = subprocess.run(
            [sys.executable, __file__, "--only", name, "--scenario", str(args.scenario),
             "--demand-days", str(args.demand_days), "--from-day", str(args.from_day),
             "--budget", str(args.budget)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{name:<14} {figures['rows']:>11,} {figures['rss_from_mib']:>8.0f}M "
            f"{figures['rss_to_mib']:>8.0f}M {figures['bytes_per_row']:>10.1f} "
            f"{figures['wall_s']:>6.0f}s",
            flush=True,
        )
    print("target: spill+release <= 48 bytes/row (the history buffers alone are 38-39)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
