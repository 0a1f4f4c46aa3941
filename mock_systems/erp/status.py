"""Order status of the mock ERP: derived from the order's state, published on every change.

The status is never set by hand. It is the least advanced of the order's deliveries and
any unallocated remainder (BACKORDERED, or CREATED before the first allocation run), or
HELD / CANCELLED. Every committed change re-derives it, records it when it moved, logs the
change for status extracts when the order status moved or a delivery's tracking status or
an invoice changed, and appends a :class:`ChangeNotification` to the ERP's transactional
outbox: a data event, or with ``event_payload: keys`` a notification carrying only keys.
"""

from __future__ import annotations

from typing import Any

from mock_systems.erp.config import EventPayload
from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import ChangeNotification, SalesOrder
from sim.engine import Mailbox

__all__ = ["ERP_STATUS_RANK", "OrderStatus"]

ERP_STATUS_RANK = {
    "CREATED": 4,
    "HELD": 4,
    "BACKORDERED": 5,
    "ALLOCATED": 6,
    "PICK_RELEASED": 7,
    "SHIPPED": 8,
    "IN_TRANSIT": 9,
    "OUT_FOR_DELIVERY": 10,
    "DELIVERED": 11,
    "CANCELLED": 12,
}
"""Progress of the ERP's order and delivery statuses."""

_EXTRACTED = frozenset({"ShipmentStatusChanged", "InvoicePosted", "PaymentReceived"})
"""Changes the status extract reports even when the order status did not move."""

_KEYS = ("delivery", "billing_document")
"""The detail a notification event keeps: the keys of the objects that changed."""


class OrderStatus(ErpState):
    """Mixin that derives an order's status and publishes its changes (the ERP's state)."""

    outbox: Mailbox[ChangeNotification]
    contract_version: str

    def _derive_status(self, order: SalesOrder) -> str:
        if order.rejection_reason:
            return "CANCELLED"
        if order.hold_reason:
            return "HELD"
        rank = ERP_STATUS_RANK
        least = ""
        for item in order.items:
            if item.quantity > item.allocated:  # something is still open
                least = "BACKORDERED" if order.allocation_attempted else "CREATED"
                break
        deliveries = self.deliveries
        for number in order.deliveries:
            status = deliveries[number].status
            if not least or rank[status] < rank[least]:
                least = status
        return least or "CREATED"

    def _changed(
        self,
        order: SalesOrder,
        event: str,
        detail: dict[str, Any],
        occurred_at: float | None = None,
    ) -> None:
        """Re-derive the order status, record it if it moved, and publish the event."""
        status = self._derive_status(order)
        status_moved = status != order.status or order.version == 0
        if status_moved:
            order.status = status
            order.changed_at = self.sim.now
            self.record("order_status", order=order.customer_reference, status=status)
        order.version += 1
        if status_moved or event in _EXTRACTED:
            # the change log feeds status extracts: status, tracking and invoice changes
            self._change_times.append(self.sim.now)
            self._change_documents.append(order.sales_document)
        when = self.sim.now if occurred_at is None else occurred_at
        keys_only = self.config.event_payload is EventPayload.KEYS
        if keys_only:
            detail = {key: detail[key] for key in _KEYS if key in detail}
        self.outbox.put(
            ChangeNotification(
                event,
                order.sales_document,
                order.customer_reference,
                order.version,
                when,
                "" if keys_only else order.status,
                detail,
                self.contract_version,
                keys_only,
            )
        )
        if status == "DELIVERED" or status == "CANCELLED":
            self._tell_if_settled(order)
