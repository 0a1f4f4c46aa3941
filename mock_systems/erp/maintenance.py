"""Order maintenance APIs of the mock ERP: release a hold, cancel or change an order.

These are what people call after the fact. Each answers True when it changed the order and
False when there was nothing it could do (unknown order, nothing to release, already
cancelled, a delivery exists).

* ``release_hold``: a person corrected the price or tax setup and releases a held order;
* ``cancel_order``: the order is cancelled; its open quantity leaves the backlog and its
  value leaves the customer's credit exposure. An order that already has a delivery (stock
  allocated and on its way to the warehouse) cannot be cancelled whole (409);
* ``change_order``: a customer's change of one line's quantity (0 removes the line). Only
  the open quantity can change: a line cannot go below what is already allocated to a
  delivery, so a reduction below it is applied only down to it (``partial``) and refused
  when nothing is left to change; an increase is refused once the order has a delivery
  (it would move the order's status back), and so is removing an order's last line (the
  customer cancels the order instead). The order's value, the customer's credit
  exposure and the plant's backlog follow; an increase waits for the allocation run.

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
        return self._maintain.call(
            customer_reference,
            partial(self._commit_release, customer_reference),
            timeout,
            self._lines_of(customer_reference),
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
        return self._maintain.call(
            customer_reference,
            partial(self._commit_cancel, customer_reference, reason),
            timeout,
            self._lines_of(customer_reference),
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

    def change_order(
        self, customer_reference: int, item_no: int, quantity: int, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Change the quantity of item ``item_no`` (True if changed, wholly or in part)."""
        return self._maintain.call(
            customer_reference,
            partial(self._commit_change, customer_reference, item_no, quantity),
            timeout,
        )

    def _commit_change(self, customer_reference: int, item_no: int, quantity: int) -> bool:
        document = self.by_reference.get(customer_reference)
        if document is None:
            self.record("change_refused", order=customer_reference, status="unknown_order")
            return False
        order = self.orders[document]
        item = next((i for i in order.items if i.item_no == item_no), None)
        refusal = (
            "cancelled"
            if order.status == "CANCELLED"
            else "unknown_item"
            if item is None
            else "allocated"
            if max(quantity, item.allocated) == item.quantity
            else "delivery_exists"
            if order.deliveries and quantity > item.quantity
            else "empty_order"
            if quantity == 0 and all(i.quantity == 0 for i in order.items if i is not item)
            else ""
        )
        if refusal or item is None:
            self.record("change_refused", order=customer_reference, subject=item_no, status=refusal)
            return False
        new = max(quantity, item.allocated)
        delta = new - item.quantity
        value = round(delta * item.net_price, 2)
        item.quantity = new
        order.net_value = round(order.net_value + value, 2)
        if order.allocation_attempted or document in self._allocation_queue:
            if delta > 0:
                self.inventory.add_backlog(order.plant, item.material, delta)
                if document not in self._allocation_queue and document not in self._backorders:
                    self._allocation_queue.append(document)
            else:
                self.inventory.remove_backlog(order.plant, item.material, -delta)
            self.customers[order.sold_to].exposure += value
        self.record(
            "order_changed",
            order=customer_reference,
            subject=item_no,
            status="partial" if new != quantity else "applied",
            value=order.net_value,
            value2=float(sum(i.quantity for i in order.items)),
        )
        self._changed(order, "OrderChanged", {"item": item_no, "quantity": new})
        return True
