"""Checker benchmark: every invariant checker on a history of a million rows or more.

Runs a scenario (default: the baseline week, about a million history rows), times its
simulation, then times the history-only checkers together on the same history, twice: on
the live history (converted to a frame once, as ``o2csim run`` and ``check`` do) and on the
``history.parquet`` read back (as ``o2csim check RUN_DIR`` does, read time included). The
target is that the checkers take less than a third of the simulation's time. Usage::

    python benchmarks/checkers.py [--scenario PATH] [--demand-days D] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.checks import CHECKERS, as_frame
from sim.run import execute
from sim.scenario import load_scenario

TARGET_SHARE = 1 / 3
"""The checkers' time budget as a share of the simulation's."""


def _time_checkers(make_frame: object, repeat: int) -> tuple[float, dict[str, float]]:
    """Median seconds of all checkers (frame included), and the last run's per checker."""
    totals: list[float] = []
    each: dict[str, float] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        frame = make_frame()  # type: ignore[operator]
        for name, check in CHECKERS.items():
            begun = time.perf_counter()
            check(frame)
            each[name] = time.perf_counter() - begun
        totals.append(time.perf_counter() - started)
    return statistics.median(totals), each


def main() -> None:
    """Run the benchmark and print simulate seconds, checker seconds and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/baseline.yaml"))
    parser.add_argument("--demand-days", type=float, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    overrides = [f"demand_days={args.demand_days}"] if args.demand_days else []
    result = execute(load_scenario(args.scenario, overrides))
    rows = len(result.history)
    simulate = result.wall_seconds["simulate"]
    live, each = _time_checkers(lambda: as_frame(result.history), args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.parquet"
        pq.write_table(result.history.to_arrow(), path, compression="zstd")  # type: ignore[arg-type]
        stored, _ = _time_checkers(lambda: pd.read_parquet(path), args.repeat)
    print(f"scenario {args.scenario}  history rows {rows:,}  simulate {simulate:.2f} s")
    for name, seconds in each.items():
        print(f"  {name:<22} {seconds:7.3f} s")
    for label, seconds in (("live history", live), ("history.parquet", stored)):
        share = seconds / simulate
        verdict = "within" if share < TARGET_SHARE else "OVER"
        print(
            f"checkers on {label:<16} {seconds:6.2f} s = {share:.3f} x simulate "
            f"({verdict} the 1/3 budget; median of {args.repeat})"
        )


if __name__ == "__main__":
    main()
