"""Order maintenance APIs of the mock ERP: release a hold, cancel an order, extract changes.

These are what people and reconciliation jobs call after the fact:

Each answers True when it changed the order and False when there was nothing it could do
(unknown order, nothing to release, already cancelled, a delivery exists).

* ``release_hold``: a person corrected the price or tax setup and releases a held order;
* ``cancel_order``: the order is cancelled; its open quantity leaves the backlog and its
  value leaves the customer's credit exposure. An order that already has a delivery (stock
  allocated and on its way to the warehouse) cannot be cancelled whole (409);
* ``status_extract``: orders whose status changed since a time, with their version, for a
  batch sync or a reconciliation job (one call, many orders);
* ``read_order``: one order's status line, read back by key.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from mock_systems.erp.inventory import Inventory
from mock_systems.erp.records import ErpCustomer, SalesOrder
from sim.engine import Endpoint

__all__ = ["OrderMaintenance", "StatusLine"]

StatusLine = tuple[int, str, int, str, float]
"""(customer reference, ERP status, version, sales document, last change time)."""

_RELEASABLE = frozenset({"pricing_mismatch", "tax_configuration"})


class OrderMaintenance:
    """Mixin of the ERP's maintenance operations (the ERP provides the state used here)."""

    orders: dict[str, SalesOrder]
    by_reference: dict[int, str]
    customers: dict[str, ErpCustomer]
    inventory: Inventory
    _allocation_queue: list[str]
    _backorders: list[str]
    _maintain: Endpoint
    _status_extract: Endpoint
    _read_order: Endpoint
    _change_times: list[float]
    _change_documents: list[str]
    record: Callable[..., None]

    def _accept(self, order: SalesOrder) -> None:
        raise NotImplementedError

    def _changed(
        self,
        order: SalesOrder,
        event: str,
        detail: dict[str, Any],
        occurred_at: float | None = None,
    ) -> None:
        raise NotImplementedError

    def release_hold(
        self, customer_reference: int, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Release an order held for pricing or tax after a person fixed the cause."""
        return (
            yield from self._maintain.call(
                customer_reference, partial(self._commit_release, customer_reference), timeout
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

    def status_extract(self, since: float, timeout: float = math.inf) -> Generator[Any, Any, Any]:
        """Every order whose status changed after ``since``: (ref, status, version, document)."""
        return (
            yield from self._status_extract.call(-1, partial(self._changes_since, since), timeout)
        )

    def _changes_since(self, since: float) -> list[StatusLine]:
        start = bisect_right(self._change_times, since)
        documents = dict.fromkeys(self._change_documents[start:])
        return [_line(self.orders[d]) for d in documents]

    def read_order(
        self, customer_reference: int, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Read one order back by key (an OData GET): its status line, or None."""
        return (
            yield from self._read_order.call(
                customer_reference, partial(self._line_of, customer_reference), timeout
            )
        )

    def _line_of(self, customer_reference: int) -> StatusLine | None:
        document = self.by_reference.get(customer_reference)
        return _line(self.orders[document]) if document is not None else None


def _line(order: SalesOrder) -> StatusLine:
    return (
        order.customer_reference,
        order.status,
        order.version,
        order.sales_document,
        order.changed_at,
    )
