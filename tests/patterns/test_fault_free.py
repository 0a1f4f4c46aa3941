"""With no faults and light load, every pattern delivers every order and keeps every invariant."""

from __future__ import annotations

import pytest

from sim.checks import run_all
from sim.integration.patterns import pattern_names
from sim.run import execute
from sim.scenario import Scenario

BUILT_IN = ("direct", "ipaas", "event_bus", "hybrid")


def test_the_four_patterns_are_registered() -> None:
    assert set(BUILT_IN) <= set(pattern_names())


@pytest.mark.parametrize("pattern", BUILT_IN)
def test_light_fault_free_load_is_delivered_whole(pattern: str) -> None:
    scenario = Scenario(
        name="light",
        seed=11,
        demand_days=1,  # a whole day: orders arrive in the customers' local hours
        drain_days=10,  # a backorder picked up on Friday evening, 4 business days: Thursday
        demand={"orders_per_business_day": 120},
        master_data={"customers": 40, "products": 30},
        integration={"pattern": pattern},
    )
    result = execute(scenario)
    verdicts = run_all(result.history)
    assert all(v.valid for v in verdicts.values()), {
        name: v.counts for name, v in verdicts.items() if not v.valid
    }
    volume = result.metrics["volume"]
    assert volume["orders_accepted"] > 20
    assert volume["orders_delivered"] + volume["orders_cancelled"] == volume["orders_accepted"]
    assert volume["erp_orders_created"] == volume["orders_accepted"]
    assert not result.history.select("integration.exception_raised")
