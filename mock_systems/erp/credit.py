"""Credit control of the mock ERP: accepting an order into the exposure, reviewing credit holds.

* ``_accept``: an order that passed its checks takes its value into the customer's credit
  exposure, its quantities into the plant's backlog, and joins the allocation queue;
* ``_credit_review``: an order over the credit limit waits for a credit analyst, who
  approves it (within the approval tolerance over the limit) or rejects it.

The exposure comes down again when the invoice is paid or the order is cancelled.

A review's duration belongs to the order: the k-th review of an order reference is draw k
of that reference in the keyed stream ``erp.credit_review``, so it is the same under every
pattern, however many other orders were reviewed before it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import SalesOrder
from sim.engine import KeyedSampler

__all__ = ["CreditControl"]


class CreditControl(ErpState):
    """Mixin of the ERP's credit control (the ERP provides the state used here)."""

    _review_time: KeyedSampler
    _reviews: dict[int, int]
    """Credit reviews started per order reference (``k`` of the keyed draws)."""

    def _accept(self, order: SalesOrder) -> None:
        customer = self.customers[order.sold_to]
        customer.exposure += order.net_value
        for item in order.items:
            self.inventory.add_backlog(order.plant, item.material, item.quantity)
        self._allocation_queue.append(order.sales_document)
        self._changed(order, "OrderAccepted", {"net_value": order.net_value})

    def _credit_review(self, order: SalesOrder) -> Generator[Any, Any, None]:
        reference = order.customer_reference
        k = self._reviews[reference] = self._reviews.get(reference, 0) + 1
        yield self.sim.timeout(self._review_time(reference, k))
        if order.rejection_reason:  # cancelled (by the customer) while under review
            return
        customer = self.customers[order.sold_to]
        ceiling = customer.credit_limit * (1 + self.config.credit.approval_tolerance)
        if customer.exposure + order.net_value <= ceiling:
            order.hold_reason = ""
            self.record("hold_released", order=order.customer_reference, status="credit_hold")
            self._changed(order, "CreditHoldReleased", {})
            self._accept(order)
        else:
            order.hold_reason = ""
            order.rejection_reason = "credit_hold"
            self.record("order_rejected", order=order.customer_reference, status="credit_hold")
            self._changed(order, "OrderRejected", {"reason": "credit_hold"})
