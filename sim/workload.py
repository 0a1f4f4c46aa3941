"""The workload: master data and an open-model stream of accepted orders.

Arrivals are a non-homogeneous Poisson process with a piecewise-constant rate, summed over
(channel, region) components (:mod:`sim.demand.rates`): the daily volume times each
channel's weekday factor and hour weight in the region's local time, month-end and
quarter-end surges, a random factor per day (overdispersion), multiplied inside peak and
promotion windows. On each piece the count is Poisson and the instants uniform, which is
exact for a piecewise-constant rate; given the day factors, days are a Cox process.
Customers (Faker names, region, credit limit, a heavy-tailed share of orders) and products
(price calibrated to the mean order value, Zipf popularity, stock) are generated once
(:mod:`sim.demand.customers`). Customers later change or cancel some orders
(:mod:`sim.demand.amendments`), emitted through one hook per channel. Every draw comes from
a stream named ``workload.*``, so the order stream depends only on the scenario and the
seed, not on the integration pattern (common random numbers).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from faker import Faker

from sim.demand.amendments import Amendment, AmendmentPlan, plan_amendments
from sim.demand.customers import (
    customer_line_means,
    order_shares,
    scale_to_share,
    unit_price_target,
)
from sim.demand.rates import (
    Components,
    DayFactors,
    component_rates,
    components,
    day_factors,
)
from sim.engine import RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar
from sim.master_data_activity import MasterDataActivity
from sim.master_data_load import MasterDataLoad
from sim.order_entry import AmendmentHook, OrderEntry
from sim.scenario import Demand, MasterData, Scenario
from sim.workload_records import ArrivalPlan, CustomerSeed, MasterDataSet, ProductSeed

__all__ = [
    "CustomerSeed",
    "ProductSeed",
    "MasterDataSet",
    "Amendment",
    "AmendmentHook",
    "ArrivalPlan",
    "Workload",
    "hourly_rates",
    "generate_master_data",
]


def _lognormal(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    sigma2 = math.log1p(cv * cv)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), size)


def generate_master_data(
    spec: MasterData, run: RunEnvironment, demand: Demand | None = None
) -> MasterDataSet:
    """Faker-named customers and products drawn from ``workload.master_data``.

    Customers get heavy-tailed order shares and credit limits sized to them; list prices
    are scaled to ``demand.mean_order_value`` unless ``spec.list_price_mean`` is given.
    """
    demand = Demand() if demand is None else demand
    rng = run.streams.stream("workload.master_data")
    faker = Faker("en_US")
    faker.seed_instance(int(rng.integers(0, 2**31)))
    regions = sorted(spec.regions)
    region_p = np.array([spec.regions[r] for r in regions])
    region_idx = rng.choice(len(regions), size=spec.customers, p=region_p)
    raw_limits = _lognormal(rng, spec.credit_limit_mean, spec.credit_limit_cv, spec.customers)
    low, high = spec.opening_exposure_share
    exposure_share = rng.uniform(low, high, spec.customers)
    contract = rng.random(spec.customers) < spec.contract_customer_share
    shares = order_shares(spec, rng)
    for r, region in enumerate(regions):  # each region keeps its configured share of orders
        members = region_idx == r
        total = shares[members].sum()
        if total > 0:
            shares[members] *= spec.regions[region] / total
    shares /= shares.sum()
    limits = np.round(scale_to_share(raw_limits, shares, spec.credit_limit_share_elasticity), -2)
    exposure = limits * exposure_share
    customers = tuple(
        CustomerSeed(
            f"{100000 + i}",
            f"001{i:015d}",
            faker.company(),
            regions[region_idx[i]],
            float(limits[i]),
            round(float(exposure[i]), 2),
            bool(contract[i]),
            float(shares[i]),
        )
        for i in range(spec.customers)
    )
    price_mean = 1.0 if spec.list_price_mean is None else spec.list_price_mean
    prices = _lognormal(rng, price_mean, spec.list_price_cv, spec.products)
    weights = 1.0 / np.arange(1, spec.products + 1) ** spec.popularity_exponent
    weights = rng.permutation(weights / weights.sum())
    if spec.list_price_mean is None:  # calibrate: expected order value = mean_order_value
        prices = prices * unit_price_target(demand, shares) / float(weights @ prices)
    prices = np.maximum(np.round(prices, 2), 0.5)
    products = tuple(
        ProductSeed(
            f"MAT-{i:06d}",
            f"{faker.word().title()} {faker.word()}",
            float(prices[i]),
            float(weights[i]),
        )
        for i in range(spec.products)
    )
    return MasterDataSet(customers, products)


def hourly_rates(
    demand: Demand,
    calendar: WorkCalendar,
    hours: int,
    region_shares: dict[str, float],
    factors: DayFactors | None = None,
) -> np.ndarray:
    """Expected orders in each hour of the demand window (the NHPP's integrated rate).

    ``region_shares`` are the regions' shares of orders; ``factors`` the drawn day factors
    (None: their mean, 1). Peaks and promotions are not included.
    """
    parts = components(demand, region_shares, calendar)
    mids = (np.arange(hours) + 0.5) * HOUR
    per_second = component_rates(demand, parts, calendar.start, mids, factors)
    rates: np.ndarray = per_second.sum(axis=0) * HOUR
    return rates


class Workload(MasterDataLoad, OrderEntry):
    """Plans the demand, loads master data into CRM and ERP, and enters orders as planned.

    Loading is :class:`~sim.master_data_load.MasterDataLoad`'s, order entry (and customers'
    amendments) :class:`~sim.order_entry.OrderEntry`'s; this class draws the plan.
    """

    def __init__(self, scenario: Scenario, run: RunEnvironment, calendar: WorkCalendar) -> None:
        self.scenario = scenario
        self.run = run
        self.calendar = calendar
        self.master_data = generate_master_data(scenario.master_data, run, scenario.demand)
        self.activity = MasterDataActivity(
            scenario,
            run,
            calendar,
            len(self.master_data.customers),
            tuple(p.sku for p in self.master_data.products),
        )
        """New accounts and price changes during the run (:mod:`sim.master_data_activity`)."""
        plan = self._plan()
        self.plan = dataclasses.replace(
            plan, customers=self.activity.assign_orders(plan.times, plan.customers)
        )
        self.amendments = self._plan_amendments()
        self.amendment_hooks: dict[str, AmendmentHook] = {}
        """The hook that takes each channel's amendments (see :meth:`route_amendments`)."""

    # ------------------------------------------------------------------ arrival plan
    def region_shares(self) -> dict[str, float]:
        """Each region's share of orders: the order shares of its customers."""
        shares = dict.fromkeys(self.scenario.master_data.regions, 0.0)
        for customer in self.master_data.customers:
            shares[customer.region] += customer.order_share
        return shares

    def hourly_rates(self) -> np.ndarray:
        """Expected orders per hour given the drawn day factors (no peaks or promotions)."""
        hours = math.ceil(self.scenario.demand_days * 24)
        return hourly_rates(
            self.scenario.demand,
            self.calendar,
            hours,
            self.region_shares(),
            self.plan.day_factors,
        )

    def expected_orders_by_channel(self) -> dict[str, float]:
        """Expected orders of each channel over the demand window, given the day factors."""
        factors = self.plan.day_factors
        a, b, rates, parts = self._segments(
            factors if factors is not None else DayFactors(0, np.ones(0))
        )
        per_component = (rates * (b - a)[None, :]).sum(axis=1)
        return {
            channel: float(per_component[parts.channel_of == i].sum())
            for i, channel in enumerate(parts.channels)
        }

    def _segments(
        self, factors: DayFactors
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Components]:
        """Pieces [a, b) of the demand window and the rate per second of each component.

        Pieces are cut at every hour and at the edges of peak and promotion windows; the
        rate is read at each piece's midpoint, times the peaks and promotions there.
        """
        demand = self.scenario.demand
        end = self.scenario.demand_days * DAY
        hours = math.ceil(end / HOUR)
        windows = [(p.window.start_h, p.window.end_h, p.multiplier) for p in demand.peaks]
        windows += [(p.window.start_h, p.window.end_h, p.multiplier) for p in demand.promotions]
        cuts = [np.arange(hours) * HOUR, np.array([0.0, end])]
        cuts += [np.array([start_h, end_h]) * HOUR for start_h, end_h, _ in windows]
        edges = np.unique(np.minimum(end, np.concatenate(cuts)))
        a, b = edges[:-1], edges[1:]
        parts = components(demand, self.region_shares(), self.calendar)
        rates = component_rates(demand, parts, self.calendar.start, (a + b) / 2, factors)
        mid_h = (a + b) / 2 / HOUR
        multiplier = np.ones(len(a))
        for start_h, end_h, factor in windows:
            multiplier[(mid_h >= start_h) & (mid_h < end_h)] *= factor
        return a, b, rates * multiplier, parts

    def _plan(self) -> ArrivalPlan:
        demand = self.scenario.demand
        end = self.scenario.demand_days * DAY
        factors = day_factors(
            demand, self.calendar.start, end, self.run.streams.stream("workload.days")
        )
        rng = self.run.streams.stream("workload.arrivals")
        a, b, rates, parts = self._segments(factors)
        pieces = len(a)
        counts = rng.poisson(rates * (b - a)[None, :]).ravel()
        cell = np.repeat(np.arange(counts.size), counts)
        piece = cell % pieces
        times = a[piece] + rng.random(len(cell)) * (b - a)[piece]
        order = np.argsort(times, kind="stable")
        times, component = times[order], cell[order] // pieces
        shape = self.run.streams.stream("workload.orders")
        channel_idx = parts.channel_of[component]
        customers = self._customers(shape, parts, parts.region_of[component])
        shares = np.array([c.order_share for c in self.master_data.customers])
        means = customer_line_means(demand, shares)[customers]
        line_counts = np.minimum(shape.geometric(1.0 / means), demand.max_lines_per_order)
        total_lines = int(line_counts.sum())
        popularity = np.array([prod.popularity for prod in self.master_data.products])
        skus = shape.choice(len(popularity), size=total_lines, p=popularity)
        units = np.maximum(
            1,
            np.rint(
                _lognormal(shape, demand.units_per_line_mean, demand.units_per_line_cv, total_lines)
            ),
        )
        promotion = self._promoted(shape, times, line_counts, skus, popularity)
        return ArrivalPlan(
            times,
            customers,
            parts.channels,
            channel_idx,
            line_counts,
            skus,
            units.astype(np.int64),
            factors,
            promotion,
        )

    def _customers(
        self, rng: np.random.Generator, parts: Components, region_idx: np.ndarray
    ) -> np.ndarray:
        """Each order's customer: within its region, by the customers' order shares."""
        customers = np.zeros(len(region_idx), dtype=np.int64)
        home = np.array([parts.regions.index(c.region) for c in self.master_data.customers])
        shares = np.array([c.order_share for c in self.master_data.customers])
        for r in range(len(parts.regions)):
            orders = np.flatnonzero(region_idx == r)
            members = np.flatnonzero(home == r)
            if len(orders) and len(members):
                p = shares[members] / shares[members].sum()
                customers[orders] = rng.choice(members, size=len(orders), p=p)
        return customers

    def _promoted(
        self,
        rng: np.random.Generator,
        times: np.ndarray,
        line_counts: np.ndarray,
        skus: np.ndarray,
        popularity: np.ndarray,
    ) -> np.ndarray:
        """Mark the orders a promotion brought and give their lines its products (in place).

        In a window with multiplier m, an order is one the promotion brought with
        probability (m - 1) / m; with overlapping promotions the later one wins.
        """
        promotion = np.full(len(times), -1, dtype=np.int64)
        promotions = self.scenario.demand.promotions
        if not any(p.products for p in promotions):
            return promotion
        u = rng.random(len(times))
        for index, promo in enumerate(promotions):
            if not promo.products:
                continue
            inside = (times >= promo.window.start_h * HOUR) & (times < promo.window.end_h * HOUR)
            promotion[inside & (u < (promo.multiplier - 1) / promo.multiplier)] = index
        line_promotion = np.repeat(promotion, line_counts)
        for index, promo in enumerate(promotions):
            lines = np.flatnonzero(line_promotion == index)
            if not promo.products or not len(lines):
                continue
            chosen = np.array([int(sku.removeprefix("MAT-")) for sku in promo.products])
            p = popularity[chosen] / popularity[chosen].sum()
            skus[lines] = rng.choice(chosen, size=len(lines), p=p)
        return promotion

    def expected_daily_units(self) -> np.ndarray:
        """Expected units per product per business day (for stock planning)."""
        demand = self.scenario.demand
        units_per_order = demand.lines_per_order_mean * demand.units_per_line_mean
        popularity = np.array([p.popularity for p in self.master_data.products])
        return demand.orders_per_business_day * units_per_order * popularity

    # ------------------------------------------------------------------ amendments
    def _plan_amendments(self) -> AmendmentPlan:
        plan = self.plan
        return plan_amendments(
            self.scenario.demand.amendments,
            self.run.streams.seed,
            plan.times,
            plan.line_counts,
            plan.units,
        )
