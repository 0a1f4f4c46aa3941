"""Loading the world at time zero: master data, prices, credit figures and opening stock.

A mixin of :class:`~sim.workload.Workload`: it puts the generated customers and products
into the CRM and the ERP, the customers' credit limits and (with the warm start) their open
invoices, contract prices, and the opening stock, either the steady state of the ERP's
replenishment (:mod:`sim.warm_start`) or cover days.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from mock_systems.crm import Account, Crm
from mock_systems.erp import Erp
from sim.engine import RunEnvironment
from sim.engine.calendar import WorkCalendar
from sim.scenario import Scenario
from sim.warm_start.loading import credit_figures, load_opening_stock, open_receivables

if TYPE_CHECKING:
    from sim.workload_records import MasterDataSet

__all__ = ["MasterDataLoad"]


class MasterDataLoad:
    """Mixin: loads master data, credit figures and opening stock into CRM and ERP."""

    scenario: Scenario
    run: RunEnvironment
    calendar: WorkCalendar
    master_data: MasterDataSet

    def expected_daily_units(self) -> np.ndarray:
        """Expected units per product per business day (the workload's)."""
        raise NotImplementedError

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
