"""Return demand: customers who send part of a delivered order back.

When the carrier delivers an order's first shipment, the order's customer asks for a
return with probability ``returns.demand.share``; ``delay`` later they call customer
service, who open a CRM case for one order line (picked at random), a share of its ordered
quantity (rounded up) and a reason. A few customers miscount and name one unit more than
they ordered (``over_claim_share``): the ERP must refuse those. When the case shows
``Authorized`` the customer ships the goods to the site the case names, and the parcel
reaches the site's dock after the carrier's return transit.

Every draw belongs to the order (common random numbers): draw ``n`` of the order in the
keyed stream ``returns.demand`` (1: whether, 2: which line, 3: how much, 4: a miscount, 5:
the reason), and draw 1 of the order in ``returns.delay`` and ``returns.transit``; so a
pattern sees the same returns as any other, only their timing after the first contact
follows the pattern's own speed.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from mock_systems.crm import Crm, quote_id
from mock_systems.crm_cases import Case, CaseLine, CrmCases
from mock_systems.crm_orders import crm_order_id
from mock_systems.wms_receiving import Parcel, ReturnsReceiving
from sim.engine import RunEnvironment, keyed_unit, stream_key
from sim.scenario.returns import Returns

__all__ = ["ReturnDemand"]


class ReturnDemand:
    """The customers' side of returns: asking for them and shipping the goods back."""

    def __init__(
        self,
        run: RunEnvironment,
        config: Returns,
        crm: Crm,
        cases: CrmCases,
        receiving: ReturnsReceiving,
    ) -> None:
        self.sim = run.sim
        self.config = config
        self.crm = crm
        self.cases = cases
        self.receiving = receiving
        seed = run.streams.seed
        demand = config.demand
        self._key = stream_key(seed, "returns.demand")
        self._delay = demand.delay.keyed_sampler(seed, "returns.delay")
        self._transit = config.transit.keyed_sampler(seed, "returns.transit")
        self._quantity_share = demand.quantity_share.quantile_function()
        reasons = sorted(demand.reasons.items())
        total = sum(weight for _, weight in reasons)
        cumulative, running = [], 0.0
        for name, weight in reasons:
            running += weight / total
            cumulative.append((running, name))
        self._reasons = cumulative
        self._asked: set[int] = set()
        cases.on_authorized = self.ship

    def delivered(self, order: int, nth: int) -> None:
        """The carrier delivered a shipment of ``order``: its customer may ask for a return."""
        if order in self._asked:
            return
        self._asked.add(order)
        if keyed_unit(self._key, order, 1) < self.config.demand.share:
            self.sim.process(self._ask(order))

    def _reason(self, u: float) -> str:
        for edge, name in self._reasons:
            if u < edge:
                return name
        return self._reasons[-1][1]

    def _ask(self, order: int) -> Generator[Any, Any, None]:
        yield self.sim.timeout(self._delay(order, 1))
        # the customer's order as the CRM holds it: a quote, or an order record
        quote = self.crm.quotes.get(quote_id(order))
        placed = self.crm.orders.get(crm_order_id(order))
        items: tuple[Any, ...] = (
            quote.LineItems if quote is not None else placed.OrderItems if placed else ()
        )
        if not items:
            return
        key = self._key
        index = min(int(keyed_unit(key, order, 2) * len(items)), len(items) - 1)
        item = items[index]
        quantity = max(
            1, math.ceil(self._quantity_share(keyed_unit(key, order, 3)) * item.Quantity)
        )
        if keyed_unit(key, order, 4) < self.config.demand.over_claim_share:
            quantity = item.Quantity + 1
        reason = self._reason(keyed_unit(key, order, 5))
        self.cases.open_case(order, reason, (CaseLine(index + 1, item.ProductCode, quantity),))

    def ship(self, case: Case) -> None:
        """The case shows Authorized: the customer sends the goods back."""
        self.sim.process(self._send(case.QuoteNumber, case.RMA_Number__c, case.Return_Site__c))

    def _send(self, order: int, rma: str, site: str) -> Generator[Any, Any, None]:
        yield self.sim.timeout(self._transit(order, 1))
        self.receiving.parcel_arrives(Parcel(rma, order, site, self.sim.now))
