"""The workload: master data and an open-model stream of accepted orders.

Arrivals are a non-homogeneous Poisson process with a piecewise-constant rate: the daily
volume times the weekday factor, shaped by hourly weights and multiplied inside peak
windows. On each piece the count is Poisson and the instants uniform, which is exact for a
piecewise-constant rate. Customers (Faker names, region, credit limit) and products (price,
Zipf popularity, stock) are generated once. Every draw comes from a stream named
``workload.*``, so the order stream depends only on the scenario and the seed, not on the
integration pattern (common random numbers).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from faker import Faker

from mock_systems.crm import Account, Crm
from mock_systems.erp import Erp, IdocItem, OrdersIdoc
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


def generate_master_data(spec: MasterData, run: RunEnvironment) -> MasterDataSet:
    """Faker-named customers and products drawn from ``workload.master_data``."""
    rng = run.streams.stream("workload.master_data")
    faker = Faker("en_US")
    faker.seed_instance(int(rng.integers(0, 2**31)))
    regions = sorted(spec.regions)
    region_p = np.array([spec.regions[r] for r in regions])
    region_idx = rng.choice(len(regions), size=spec.customers, p=region_p)
    limits = np.round(
        _lognormal(rng, spec.credit_limit_mean, spec.credit_limit_cv, spec.customers), -2
    )
    low, high = spec.opening_exposure_share
    exposure = limits * rng.uniform(low, high, spec.customers)
    contract = rng.random(spec.customers) < spec.contract_customer_share
    customers = tuple(
        CustomerSeed(
            f"{100000 + i}",
            f"001{i:015d}",
            faker.company(),
            regions[region_idx[i]],
            float(limits[i]),
            round(float(exposure[i]), 2),
            bool(contract[i]),
            1.0 / spec.customers,
        )
        for i in range(spec.customers)
    )
    prices = np.round(_lognormal(rng, spec.list_price_mean, spec.list_price_cv, spec.products), 2)
    prices = np.maximum(prices, 0.5)
    weights = 1.0 / np.arange(1, spec.products + 1) ** spec.popularity_exponent
    weights = rng.permutation(weights / weights.sum())
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


def hourly_rates(demand: Demand, calendar: WorkCalendar, hours: int) -> np.ndarray:
    """Expected orders in each hour of the demand window (the NHPP's integrated rate)."""
    weights = np.asarray(demand.hourly_weights, dtype=float)
    weights = weights / weights.sum()
    rates = np.empty(hours)
    for h in range(hours):
        t = h * HOUR
        day_factor = demand.weekday_factors[calendar.weekday(t)]
        rates[h] = (
            demand.orders_per_business_day * day_factor * weights[int(calendar.hour_of_day(t))]
        )
    return rates


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


class Workload:
    """Loads master data into CRM and ERP and accepts orders at the planned instants."""

    def __init__(self, scenario: Scenario, run: RunEnvironment, calendar: WorkCalendar) -> None:
        self.scenario = scenario
        self.run = run
        self.calendar = calendar
        self.master_data = generate_master_data(scenario.master_data, run)
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

    def _segments(self) -> list[tuple[float, float, float]]:
        """(start, end, rate per second) pieces of the arrival rate."""
        demand = self.scenario.demand
        end = self.scenario.demand_days * DAY
        cuts = {0.0, end}
        hours = math.ceil(end / HOUR)
        cuts.update(h * HOUR for h in range(hours) if h * HOUR < end)
        for peak in demand.peaks:
            cuts.update(min(end, x * HOUR) for x in (peak.window.start_h, peak.window.end_h))
        edges = sorted(cuts)
        per_hour = hourly_rates(demand, self.calendar, hours)
        segments = []
        for a, b in itertools.pairwise(edges):
            rate = per_hour[min(int(a // HOUR), hours - 1)] / HOUR
            mid = (a + b) / 2 / HOUR
            for peak in demand.peaks:
                if peak.window.start_h <= mid < peak.window.end_h:
                    rate *= peak.multiplier
            segments.append((a, b, rate))
        return segments

    def _plan(self) -> ArrivalPlan:
        rng = self.run.streams.stream("workload.arrivals")
        pieces = []
        for a, b, rate in self._segments():
            count = int(rng.poisson(rate * (b - a)))
            if count:
                pieces.append(np.sort(rng.uniform(a, b, count)))
        times = np.concatenate(pieces) if pieces else np.empty(0)
        n = len(times)
        demand = self.scenario.demand
        shape = self.run.streams.stream("workload.orders")
        channels = tuple(sorted(demand.channels))
        channel_idx = shape.choice(len(channels), size=n, p=[demand.channels[c] for c in channels])
        customers = shape.integers(0, len(self.master_data.customers), n)
        p = 1.0 / demand.lines_per_order_mean
        line_counts = np.minimum(shape.geometric(p, n), demand.max_lines_per_order)
        total_lines = int(line_counts.sum())
        popularity = np.array([prod.popularity for prod in self.master_data.products])
        skus = shape.choice(len(popularity), size=total_lines, p=popularity)
        units = np.maximum(
            1,
            np.rint(
                _lognormal(shape, demand.units_per_line_mean, demand.units_per_line_cv, total_lines)
            ),
        )
        return ArrivalPlan(
            times, customers, channels, channel_idx, line_counts, skus, units.astype(np.int64)
        )

    def expected_daily_units(self) -> np.ndarray:
        """Expected units per product per business day (for stock planning)."""
        demand = self.scenario.demand
        units_per_order = demand.lines_per_order_mean * demand.units_per_line_mean
        popularity = np.array([p.popularity for p in self.master_data.products])
        return demand.orders_per_business_day * units_per_order * popularity

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
