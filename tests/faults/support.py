"""Small faulty worlds for the fault and mechanism tests."""

from __future__ import annotations

from collections import Counter

from sim.checks import Verdict, run_all
from sim.engine import History
from sim.run import RunResult, execute
from sim.scenario import load_scenario

SMALL = [
    "demand_days=0.5",
    "drain_days=8",
    "demand.orders_per_business_day=240",
    "demand.local_time=false",
    "demand.channel_profiles={}",
]
"""About a hundred orders on a Monday morning (UTC), and eight days for them to finish
(carriers deliver no B2B ground at the weekend, so a Friday re-delivery lands on Monday).

The demand hours are read in UTC with one profile for every channel: in the regions' local
time, a UTC morning is the night, and the world would be half as large."""


def run_small(*overrides: str, seed: int = 3) -> RunResult:
    """The baseline scenario shrunk to a morning of demand, with ``overrides`` applied."""
    return execute(load_scenario("scenarios/baseline.yaml", [*SMALL, *overrides]), seed=seed)


def verdicts(result: RunResult) -> dict[str, Verdict]:
    """Every history-only checker's verdict on a run."""
    return run_all(result.history)


def call_outcomes(history: History, endpoint_prefix: str) -> Counter[str]:
    """Statuses of ``endpoint.call`` rows of endpoints whose name starts with the prefix."""
    return Counter(
        str(row["status"])
        for row in history.select("endpoint.call")
        if str(row["actor"]).startswith(f"endpoint:{endpoint_prefix}")
    )


def count(history: History, event: str, **match: object) -> int:
    """Rows of ``event`` whose decoded fields equal ``match``."""
    return sum(1 for row in history.select(event) if all(row[k] == v for k, v in match.items()))
