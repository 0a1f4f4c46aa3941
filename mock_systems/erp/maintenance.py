"""Order maintenance APIs of the mock ERP: release a hold, cancel an order.

These are what people call after the fact. Each answers True when it changed the order and
False when there was nothing it could do (unknown order, nothing to release, already
cancelled, a delivery exists).

* ``release_hold``: a person corrected the price or tax setup and releases a held order;
* ``cancel_order``: the order is cancelled; its open quantity leaves the backlog and its
  value leaves the customer's credit exposure. An order that already has a delivery (stock
  allocated and on its way to the warehouse) cannot be cancelled whole (409).

The read APIs (status query, change extract, read-back) are in :mod:`mock_systems.erp.reads`.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial
from typing import Any

from mock_systems.erp.parts import ErpState
from sim.engine import Endpoint

__all__ = ["OrderMaintenance"]

_RELEASABLE = frozenset({"pricing_mismatch", "tax_configuration"})


class OrderMaintenance(ErpState):
    """Mixin of the ERP's maintenance operations (the ERP provides the state used here)."""

    _maintain: Endpoint

    def release_hold(
        self, customer_reference: int, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Release an order held for pricing or tax after a person fixed the cause."""
        return (
            yield from self._maintain.call(
                customer_reference,
                partial(self._commit_release, customer_reference),
                timeout,
                self._lines_of(customer_reference),
            )
        )

    def _commit_release(self, customer_reference: int) -> bool:
        document = self.by_reference.get(customer_reference)
        if document is None:
            return False
        order = self.orders[document]
        if order.hold_reason not in _RELEASABLE:
            self.record("no_change", order=customer_reference, status=order.status)
            return False
        reason, order.hold_reason = order.hold_reason, ""
        self.record("hold_released", order=customer_reference, status=reason)
        self._changed(order, "HoldReleased", {"reason": reason})
        self._accept(order)
        return True

    def cancel_order(
        self, customer_reference: int, reason: str, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Cancel an order and release what it holds (compensation)."""
        return (
            yield from self._maintain.call(
                customer_reference,
                partial(self._commit_cancel, customer_reference, reason),
                timeout,
                self._lines_of(customer_reference),
            )
        )

    def _commit_cancel(self, customer_reference: int, reason: str) -> bool:
        document = self.by_reference.get(customer_reference)
        if document is None:
            return False
        order = self.orders[document]
        if order.status == "CANCELLED":
            self.record("no_change", order=customer_reference, status="CANCELLED")
            return False
        if order.deliveries:
            # stock is already on its way to the warehouse: only an order with nothing
            # allocated yet can be cancelled whole
            self.record("cancel_refused", order=customer_reference, status=reason)
            return False
        accepted = order.allocation_attempted or document in self._allocation_queue
        if accepted:
            for item in order.items:
                if item.open_quantity > 0:
                    self.inventory.remove_backlog(order.plant, item.material, item.open_quantity)
            self.customers[order.sold_to].exposure -= order.net_value
        for queue in (self._allocation_queue, self._backorders):
            if document in queue:
                queue.remove(document)
        order.hold_reason = ""
        order.rejection_reason = reason
        self.record("order_cancelled", order=customer_reference, status=reason)
        self._changed(order, "OrderCancelled", {"reason": reason})
        return True
