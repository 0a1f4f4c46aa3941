"""Small workloads for the demand tests: the arrival plan only, no systems."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.demand.rates import region_utc_offset_h
from sim.engine import RunEnvironment
from sim.engine.calendar import HOUR
from sim.scenario import Scenario
from sim.workload import Workload
from sim.world import scenario_calendar

FLAT = {
    "channel_profiles": {},
    "local_time": False,
    "day_dispersion": 0.0,
    "month_end": {"business_days": 0, "multiplier": 1.0},
    "quarter_end": {"business_days": 0, "multiplier": 1.0},
    "weekday_factors": [1, 1, 1, 1, 1, 1, 1],
}
"""Demand with every calendar mechanism off: a plain NHPP in UTC, the same every day."""


def workload(seed: int = 1, demand: dict[str, Any] | None = None, **changes: Any) -> Workload:
    """A workload of a scenario with ``demand`` fields and other top-level ``changes``."""
    data: dict[str, Any] = {"name": "demand", "demand_days": 7, "drain_days": 0}
    data["demand"] = {"orders_per_business_day": 300, **(demand or {})}
    data.setdefault("master_data", {"customers": 300, "products": 120})
    data.update(changes)
    scenario = Scenario.model_validate(data)
    return Workload(scenario, RunEnvironment(seed), scenario_calendar(scenario))


def local_hours(w: Workload) -> np.ndarray:
    """Each order's hour of the day in its customer's region (default offsets)."""
    # the regions' clocks, whether or not the demand follows them (demand.local_time)
    clocks = w.scenario.demand.model_copy(update={"local_time": True})
    offsets = {
        r: region_utc_offset_h(clocks, r, w.calendar) for r in w.scenario.master_data.regions
    }
    region = np.array([offsets[c.region] for c in w.master_data.customers])
    local = w.plan.times + region[w.plan.customers] * HOUR + w.calendar.start.hour * HOUR
    hours: np.ndarray = ((local % (24 * HOUR)) // HOUR).astype(int)
    return hours


def daily_counts(w: Workload) -> np.ndarray:
    """Orders per (UTC) day of the demand window."""
    days = int(w.scenario.demand_days)
    return np.bincount((w.plan.times // (24 * HOUR)).astype(int), minlength=days)[:days]
