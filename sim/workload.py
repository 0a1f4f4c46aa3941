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
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from faker import Faker

from mock_systems.crm import Account, Crm
from mock_systems.erp import Erp, IdocItem, OrdersIdoc
from sim.demand.amendments import Amendment, AmendmentKind, AmendmentPlan, plan_amendments
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
from sim.scenario import Demand, MasterData, Scenario
from sim.scenario.channels import EdiEntry, WebShopEntry
from sim.warm_start.loading import credit_figures, load_opening_stock, open_receivables

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


@dataclass(frozen=True, slots=True)
class CustomerSeed:
    """One generated customer."""

    sold_to: str
    account_id: str
    name: str
    region: str
    credit_limit: float
    opening_exposure: float
    contract: bool
    order_share: float
    """The probability that an arriving order is this customer's (the shares add up to 1)."""


@dataclass(frozen=True, slots=True)
class ProductSeed:
    """One generated product."""

    sku: str
    name: str
    list_price: float
    popularity: float


@dataclass(frozen=True)
class MasterDataSet:
    """Customers and products shared by the CRM and the ERP at time zero."""

    customers: tuple[CustomerSeed, ...]
    products: tuple[ProductSeed, ...]


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
    parts = components(demand, region_shares)
    mids = (np.arange(hours) + 0.5) * HOUR
    per_second = component_rates(demand, parts, calendar.start, mids, factors)
    rates: np.ndarray = per_second.sum(axis=0) * HOUR
    return rates


AmendmentHook = Callable[[Amendment], None]
"""Takes one customer amendment into the systems (e.g. the CRM, or the ERP's IDoc inbound)."""


@dataclass(frozen=True)
class ArrivalPlan:
    """Arrival instants and the drawn shape of every order."""

    times: np.ndarray
    customers: np.ndarray
    channels: tuple[str, ...]
    channel_idx: np.ndarray
    line_counts: np.ndarray
    skus: np.ndarray
    units: np.ndarray
    day_factors: DayFactors | None = None
    """The random factor of each local date (None: no draw)."""
    promotion: np.ndarray | None = None
    """Per order, the index of the promotion whose products it buys (-1: none)."""


class Workload:
    """Loads master data into CRM and ERP and accepts orders at the planned instants."""

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
        parts = components(demand, self.region_shares())
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

    def route_amendments(self, channel: str, hook: AmendmentHook) -> None:
        """Send ``channel``'s amendments to ``hook`` (EDI 860s can go to the ERP's inbound)."""
        self.amendment_hooks[channel] = hook

    def amend_orders(self, crm: Crm) -> Generator[Any, Any, None]:
        """SimPy process: customers change and cancel orders at the planned instants.

        Each amendment goes to its channel's hook; a channel without one amends through
        the CRM (the rep or the web shop records it, the integration takes it on).
        """
        plan = self.amendments
        sim = self.run.sim
        channels = self.plan.channels
        channel_idx = self.plan.channel_idx
        hooks = self.amendment_hooks
        for i in range(len(plan)):
            yield sim.timeout(float(plan.times[i]) - sim.now)
            order = int(plan.orders[i])
            amendment = Amendment(
                order,
                channels[int(channel_idx[order])],
                AmendmentKind.CANCEL if plan.cancel[i] else AmendmentKind.CHANGE,
                int(plan.item_no[i]),
                int(plan.quantity[i]),
            )
            hook = hooks.get(amendment.channel)
            if hook is None:
                crm.request_amendment(
                    order, amendment.kind.value, amendment.item_no, amendment.quantity
                )
            else:
                hook(amendment)

    def load(self, crm: Crm, erp: Erp) -> None:
        """Put master data, prices, credit figures and opening stock into the CRM and the ERP.

        With the warm start (``scenario.warm_start``) the customers owe open invoices and
        the stock is the steady state of the ERP's replenishment (:mod:`sim.warm_start`).
        """
        md = self.scenario.master_data
        customers, products = self.master_data.customers, self.master_data.products
        for product in products:
            erp.add_material(product.sku, product.list_price)
        credit = credit_figures(
            self.scenario,
            np.array([c.order_share for c in customers]),
            np.array([c.credit_limit for c in customers]),
            np.array([c.opening_exposure for c in customers]),
            np.array([p.list_price for p in products]),
            np.array([p.popularity for p in products]),
            self.run,
        )
        for i, customer in enumerate(customers):
            erp.add_customer(
                customer.sold_to,
                customer.name,
                customer.region,
                float(credit.limits[i]),
                float(credit.exposure[i]) if credit.receivables is None else 0.0,
            )
            erp.link_partner(customer.account_id, customer.sold_to)
            crm.add_account(
                Account(
                    customer.account_id,
                    customer.name,
                    customer.region,
                    customer.sold_to,
                    AccountNumber=i,
                )
            )
        open_receivables(erp, [c.sold_to for c in customers], credit)
        contract_rng = self.run.streams.stream("workload.contracts")
        for customer in customers:
            if customer.contract:
                for index in contract_rng.choice(
                    len(products),
                    size=min(md.contract_products, len(products)),
                    replace=False,
                ):
                    product = products[int(index)]
                    price = round(product.list_price * (1 - md.contract_discount), 2)
                    erp.set_contract_price(customer.sold_to, product.sku, price)
                    crm.set_contract_price(customer.account_id, product.sku, price)
        for product in products:
            crm.set_price(product.sku, product.list_price)
        self._load_stock(erp)

    def site_demand(self) -> dict[str, np.ndarray]:
        """Expected units per business day of every product at each site.

        A site's share of demand is the order share of the customers in the regions it
        serves.
        """
        daily = self.expected_daily_units()
        served: dict[str, float] = {}
        for customer in self.master_data.customers:
            served[customer.region] = served.get(customer.region, 0.0) + customer.order_share
        return {
            site: daily * sum(served.get(r, 0.0) for r in spec.serves)
            for site, spec in sorted(self.scenario.sites.items())
        }

    def _load_stock(self, erp: Erp) -> None:
        """Opening stock: the replenishment's steady state (warm) or cover days (cold)."""
        md = self.scenario.master_data
        skus = [p.sku for p in self.master_data.products]
        if self.scenario.warm_start.warm_stock:
            load_opening_stock(
                self.scenario, erp, skus, self.site_demand(), self.calendar, self.run
            )
            return
        stock_rng = self.run.streams.stream("workload.stock")
        daily = self.expected_daily_units()
        low, high = md.opening_cover_days
        for site, spec in sorted(self.scenario.sites.items()):
            share = sum(md.regions.get(r, 0.0) for r in spec.serves)
            for i, sku in enumerate(skus):
                demand = daily[i] * share
                cover = stock_rng.uniform(low, high)
                erp.set_stock(
                    site,
                    sku,
                    on_hand=math.ceil(demand * cover),
                    reorder_point=math.ceil(demand * md.reorder_cover_days),
                    order_up_to=math.ceil(demand * md.order_up_to_cover_days),
                )

    def accept_orders(self, crm: Crm, erp: Erp) -> Generator[Any, Any, None]:
        """SimPy process: each planned order enters where its channel enters.

        Field sales: the rep creates and accepts a CRM quote. Web shop: the commerce
        storefront places a CRM order at checkout (``demand.entry.web_shop``). EDI: the
        partner's 850 arrives at the ERP's IDoc inbound (``demand.entry.edi``), at the
        prices of the catalogue the partner was sent (EDI 832), which is published from the
        storefront's price book: a price the CRM learns late reaches partners late too.
        Either may be switched back to a quote.
        """
        plan = self.plan
        sim = self.run.sim
        customers = self.master_data.customers
        new_accounts = self.activity.accounts
        products = self.master_data.products
        entry = self.scenario.demand.entry
        web_shop = (
            plan.channels.index("web_shop")
            if "web_shop" in plan.channels and entry.web_shop is WebShopEntry.COMMERCE
            else -1
        )
        edi = (
            plan.channels.index("edi")
            if "edi" in plan.channels and entry.edi is EdiEntry.IDOC
            else -1
        )
        cursor = 0
        for n in range(len(plan.times)):
            yield sim.timeout(float(plan.times[n]) - sim.now)
            index = int(plan.customers[n])
            if index < len(customers):
                seed = customers[index]
                account_id, sold_to, region = seed.account_id, seed.sold_to, seed.region
            else:  # an account opened during the run: its ERP number once it is replicated
                new = new_accounts[index - len(customers)]
                account_id, region = new.account_id, new.region
                sold_to = crm.accounts[account_id].ERP_Sold_To__c
            count = int(plan.line_counts[n])
            channel = int(plan.channel_idx[n])
            skus = [products[int(plan.skus[cursor + k])] for k in range(count)]
            units = [int(plan.units[cursor + k]) for k in range(count)]
            cursor += count
            if channel == edi:
                items = tuple(
                    IdocItem(p.sku, q, crm.web_price(account_id, p.sku))
                    for p, q in zip(skus, units, strict=True)
                )
                erp.receive_idoc(OrdersIdoc(n, sold_to, region, items))
                continue
            lines = tuple((p.sku, q) for p, q in zip(skus, units, strict=True))
            if channel == web_shop:
                crm.place_order(n, account_id, "web_shop", lines)
                continue
            quote = crm.create_quote(n, account_id, plan.channels[channel], lines)
            crm.accept_quote(quote.Id)
