"""Small worlds for the sweep tests: a few dozen orders in one day, two days to drain."""

from __future__ import annotations

from typing import Any

from sim.scenario import Scenario
from tests.compare.support import SLAS

SMALL: dict[str, Any] = {
    "name": "small",
    "seed": 11,
    "demand_days": 1,
    "drain_days": 2,
    "demand": {"orders_per_business_day": 30},
    "master_data": {"customers": 30, "products": 20},
    "slas": SLAS,
}
"""About 30 orders: a quarter of a second or so a run."""

GRID: dict[str, list[Any]] = {
    "demand.orders_per_business_day": [20, 30, 40],
    "systems.erp.work_processes.dialog": [1, 2],
}
"""Six points; with four replications, 24 tasks."""


def small() -> Scenario:
    """The small scenario."""
    return Scenario.model_validate(SMALL)
