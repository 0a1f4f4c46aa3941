"""Order entry: each planned order enters where its channel enters, and amendments follow.

A mixin of :class:`~sim.workload.Workload` (which draws the plan): field-sales orders are
CRM quotes the rep accepts, web-shop orders are placed by the commerce storefront as CRM
order records, EDI orders arrive at the ERP's IDoc inbound. Customers' later changes and
cancellations go to their channel's hook, or through the CRM.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from mock_systems.crm import Crm
from mock_systems.erp import Erp, IdocItem, OrdersIdoc
from sim.demand.amendments import Amendment, AmendmentKind, AmendmentPlan
from sim.engine import RunEnvironment
from sim.scenario import Scenario
from sim.scenario.channels import EdiEntry, WebShopEntry

if TYPE_CHECKING:
    from sim.master_data_activity import MasterDataActivity
    from sim.workload_records import ArrivalPlan, MasterDataSet

__all__ = ["AmendmentHook", "OrderEntry"]

AmendmentHook = Callable[[Amendment], None]
"""Takes one customer amendment into the systems (e.g. the CRM, or the ERP's IDoc inbound)."""


class OrderEntry:
    """Mixin: enters the planned orders and the customers' amendments into the systems."""

    scenario: Scenario
    run: RunEnvironment
    plan: ArrivalPlan
    master_data: MasterDataSet
    activity: MasterDataActivity
    amendments: AmendmentPlan
    amendment_hooks: dict[str, AmendmentHook]

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
