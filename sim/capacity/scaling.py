"""The arrival-rate multiplier: a scenario with every order arrival rate scaled.

The rate of each (channel, region) component is proportional to
``demand.orders_per_business_day`` (:func:`sim.demand.rates.component_rates`); peaks,
promotions, period ends and day factors multiply it. Scaling that one field scales every
component's rate by the same factor, and the stock the ERP plans from expected daily units
with it: the business is ``m`` times as large, its warehouses' staffing and its systems'
capacities are not.
"""

from __future__ import annotations

from sim.scenario import Scenario

__all__ = ["scaled"]


def scaled(scenario: Scenario, multiplier: float) -> Scenario:
    """``scenario`` with every arrival rate multiplied by ``multiplier`` (> 0)."""
    if not multiplier > 0:
        raise ValueError(f"an arrival-rate multiplier must be positive, got {multiplier}")
    demand = scenario.demand
    volume = demand.orders_per_business_day * multiplier
    return scenario.model_copy(
        update={"demand": demand.model_copy(update={"orders_per_business_day": volume})}
    )
