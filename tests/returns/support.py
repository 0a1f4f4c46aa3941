"""Small worlds with returns: a morning of orders, most of whose customers send some back."""

from __future__ import annotations

from collections import Counter

from sim.engine import History
from sim.run import RunResult, execute
from sim.scenario import load_scenario

RETURNS = [
    "demand_days=0.5",
    "drain_days=14",
    "demand.orders_per_business_day=240",
    "returns.enabled=true",
    "returns.demand.share=0.5",
    "demand.local_time=false",
    "demand.channel_profiles={}",
]
"""About sixty orders on a Monday morning, half of them returned, and two weeks to finish.

The demand hours are read in UTC with one profile for every channel, as in the fault tests'
small world: in the regions' local time a UTC morning is the night."""


def run_returns(*overrides: str, seed: int = 3) -> RunResult:
    """The baseline shrunk to a morning, with returns on and ``overrides`` applied."""
    return execute(load_scenario("scenarios/baseline.yaml", [*RETURNS, *overrides]), seed=seed)


def events(history: History) -> Counter[str]:
    """Rows per event name."""
    names = history.events.names
    return Counter(names[int(code)] for code in history.columns()["event"])


def case_statuses(history: History) -> dict[int, list[str]]:
    """Per order: the statuses its CRM case showed, in order."""
    shown: dict[int, list[str]] = {}
    for row in history.select("crm.case_status"):
        shown.setdefault(int(row["order"]), []).append(str(row["status"]))
    return shown
