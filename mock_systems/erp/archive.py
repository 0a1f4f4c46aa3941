"""Archiving of settled orders: the ERP forgets what it will never read again.

An order is *settled* when it is delivered in full (or cancelled) and every delivery of it
is delivered, billed and paid: its document flow is complete. The ERP tells
``on_settled`` (the harness's archive) at that moment; the archive later calls
:meth:`OrderArchiving.archive_order` after a residence time, as an ERP's archiving run
removes completed sales documents. Archiving removes the order, its deliveries and
invoices, its inbound IDoc and the per-order draw counters; housekeeping
(:meth:`forget_before`) drops change pointers older than the residence and expired
idempotency keys. Document numbers keep counting (a number is never reused). What the
order's deliveries were is handed back, so the warehouse and the carrier can forget
their part of the order too.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import BillingStatus, SalesOrder

__all__ = ["ArchivedOrder", "OrderArchiving"]

_FINAL = frozenset({"DELIVERED", "CANCELLED"})
"""Order statuses nothing moves on from (a cancelled order's deliveries must still be
delivered and paid before it is settled)."""


@dataclass(frozen=True, slots=True)
class ArchivedOrder:
    """What an archived order was, for the other systems to forget their part of it."""

    reference: int
    deliveries: tuple[str, ...]
    """The ERP delivery numbers (the warehouse's pick releases, the carrier's shippers)."""
    tracking_numbers: tuple[str, ...]


class OrderArchiving(ErpState):
    """Mixin: detect settled orders and archive them on request."""

    on_settled: Callable[[int], None] | None
    _payments: dict[int, int]
    _reviews: dict[int, int]
    _idempotency: dict[str, tuple[str, float]]
    idocs: dict[int, Any]

    def _settled(self, order: SalesOrder) -> bool:
        """Delivered in full or cancelled, every delivery delivered, billed and paid."""
        if order.status not in _FINAL:
            return False
        for number in order.deliveries:
            delivery = self.deliveries[number]
            billing = delivery.billing_document
            if (
                delivery.status != "DELIVERED"
                or not billing
                or self.invoices[billing].status is not BillingStatus.PAID
            ):
                return False
        return True

    def _tell_if_settled(self, order: SalesOrder) -> None:
        if self.on_settled is not None and self._settled(order):
            self.on_settled(order.customer_reference)

    def archive_order(self, reference: int) -> ArchivedOrder | None:
        """Remove a settled order's documents; ``None`` if it is unknown or not settled."""
        document = self.by_reference.get(reference)
        if document is None:
            return None
        order = self.orders[document]
        if not self._settled(order):
            return None
        deliveries = tuple(order.deliveries)
        tracking = []
        for number in deliveries:
            delivery = self.deliveries.pop(number)
            if delivery.tracking_number:
                tracking.append(delivery.tracking_number)
            self.invoices.pop(delivery.billing_document, None)
        del self.orders[document]
        del self.by_reference[reference]
        self._payments.pop(reference, None)
        self._reviews.pop(reference, None)
        self.idocs.pop(reference, None)
        return ArchivedOrder(reference, deliveries, tuple(tracking))

    def forget_before(self, cutoff: float) -> None:
        """Drop change pointers and idempotency keys older than ``cutoff`` (housekeeping).

        A status extract asks for the changes since its last run, so pointers older than
        the residence are never asked for again; an idempotency key older than its
        retention is already ignored (``idempotency_retention_s``).
        """
        times = self._change_times
        drop = bisect_left(times, cutoff)
        if drop:
            del times[:drop]
            del self._change_documents[:drop]
        retention = self.config.idempotency_retention_s
        expired = [
            key
            for key, (_, at) in self._idempotency.items()
            if self.sim.now - at > retention and at < cutoff
        ]
        for key in expired:
            del self._idempotency[key]
