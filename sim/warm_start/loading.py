"""Put the warm start's opening state into the ERP (called by :meth:`Workload.load`).

``credit_figures`` gives each customer's credit limit and opening exposure before the
customers are created; ``open_receivables`` then opens their items, and
``load_opening_stock`` sets opening stock, open purchase orders and open orders'
allocations. Cold figures (master data as generated) are returned when the warm start's
parts are switched off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mock_systems.erp import Erp
from mock_systems.erp.factory_calendar import working_time_after
from sim.engine import RunEnvironment
from sim.engine.calendar import DAY, WorkCalendar
from sim.scenario import Scenario
from sim.warm_start.receivables import OpeningReceivables, opening_receivables
from sim.warm_start.stock import opening_stock

__all__ = ["CreditFigures", "credit_figures", "load_opening_stock", "open_receivables"]


@dataclass(frozen=True)
class CreditFigures:
    """Per customer (master-data order): credit limit and opening exposure."""

    limits: np.ndarray
    exposure: np.ndarray
    receivables: OpeningReceivables | None
    """The open items behind the exposure (None: a cold start's bare exposure figures)."""


def _mean_order_value(scenario: Scenario, prices: np.ndarray, popularity: np.ndarray) -> float:
    """Expected net value of an order: lines x units per line x popularity-weighted price."""
    demand = scenario.demand
    return float(
        demand.lines_per_order_mean * demand.units_per_line_mean * np.dot(popularity, prices)
    )


def credit_figures(
    scenario: Scenario,
    shares: np.ndarray,
    limits: np.ndarray,
    exposure: np.ndarray,
    prices: np.ndarray,
    popularity: np.ndarray,
    run: RunEnvironment,
) -> CreditFigures:
    """Credit limits and opening exposure of every customer, warm or cold."""
    warm = scenario.warm_start
    if not warm.warm_receivables:
        return CreditFigures(limits, exposure, None)
    demand = scenario.demand
    per_day = demand.orders_per_business_day * sum(demand.weekday_factors) / 7
    items = opening_receivables(
        shares,
        per_day,
        _mean_order_value(scenario, prices, popularity),
        scenario.systems.erp.credit.payment_terms,
        warm,
        run.streams.stream("workload.receivables"),
        run.streams.seed,
    )
    if warm.limits_from_volume:
        low, high = warm.credit_limit_headroom
        headroom = run.streams.stream("workload.credit_limits").uniform(low, high, len(shares))
        limits = np.maximum(100.0, np.round(items.expected_exposure * headroom, -2))
    return CreditFigures(limits, items.exposure, items)


def open_receivables(erp: Erp, sold_to: list[str], figures: CreditFigures) -> None:
    """Open the warm start's items in the ERP (nothing for a cold start)."""
    items = figures.receivables
    if items is None:
        return
    for customer, amount, paid_at in zip(
        items.customer.tolist(), items.amount.tolist(), items.paid_at.tolist(), strict=True
    ):
        erp.open_item(sold_to[customer], amount, paid_at)


def load_opening_stock(
    scenario: Scenario,
    erp: Erp,
    skus: list[str],
    site_demand: dict[str, np.ndarray],
    calendar: WorkCalendar,
    run: RunEnvironment,
) -> None:
    """Opening stock, open purchase orders and open orders' allocations of every site.

    ``site_demand`` is each site's expected units per business day of every product.
    """
    md, demand, warm = scenario.master_data, scenario.demand, scenario.warm_start
    policy = scenario.systems.erp.replenishment
    sites = sorted(site_demand)
    daily = np.concatenate([site_demand[site] for site in sites])
    reorder = np.ceil(daily * md.reorder_cover_days)
    target = np.ceil(daily * md.order_up_to_cover_days)
    factors = demand.weekday_factors
    state = opening_stock(
        daily / demand.units_per_line_mean,
        reorder,
        target,
        lambda t: factors[calendar.weekday(t)],
        lambda t: calendar.weekday(t) in policy.working_days,
        lambda t, lead: working_time_after(calendar, policy.working_days, t, lead),
        (demand.units_per_line_mean, demand.units_per_line_cv),
        policy.lead_time,
        policy.review_interval_s,
        warm.burn_in_days,
        warm.open_order_days if warm.warm_open_orders else 0.0,
        run.streams.stream("workload.stock"),
    )
    n = len(skus)
    ships = run.streams.stream("workload.open_orders")
    for index in range(len(sites) * n):
        site, sku = sites[index // n], skus[index % n]
        erp.set_stock(
            site,
            sku,
            on_hand=int(state.on_hand[index]),
            reorder_point=int(reorder[index]),
            order_up_to=int(target[index]),
        )
        allocated = int(state.allocated[index])
        if allocated:
            ships_in = float(ships.uniform(0.0, warm.open_order_days * DAY))
            erp.inventory.allocate_opening(site, sku, allocated, ships_in)
    for item, quantity, arrives in zip(
        state.pipeline_item.tolist(),
        state.pipeline_quantity.tolist(),
        state.pipeline_arrives_at.tolist(),
        strict=True,
    ):
        if quantity > 0:
            erp.inventory.put_in_transit(
                sites[item // n], skus[item % n], quantity, max(0.0, arrives)
            )
