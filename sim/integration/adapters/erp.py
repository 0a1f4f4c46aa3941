"""ERP adapter: canonical orders -> ERP sales orders; ERP notifications -> envelopes.

Canonical in, canonical out: each change notification in the ERP's outbox reaches the
integration core as an :class:`ErpEvent`, a canonical :class:`Envelope` (its payload in the
ERP's contract version) and the order it concerns (:meth:`ErpAdapter.deliver_events`).

It also maps the ERP's read APIs to the canonical model: a status query per order
(:meth:`ErpAdapter.read_status`), the change extract (:meth:`ErpAdapter.status_changes`),
both as :class:`StatusReading`, the read-back by key (:meth:`ErpAdapter.read_order`, an
:class:`OrderReading`) and the orders the ERP originated since a time
(:meth:`ErpAdapter.created_orders`: EDI orders, which the CRM does not know). IDocs in
error reach the core as (order, reason) (:meth:`ErpAdapter.deliver_idoc_errors`), and
people's fixes go back through :meth:`ErpAdapter.reprocess_idoc` and
:meth:`ErpAdapter.close_idoc`.

An ERP event is a data event (its payload has ``status`` and the change's detail) or, with
``systems.erp.event_payload: keys``, a notification event: its payload has only the order's
keys, the keys of what changed (``delivery``, ``billing_document``) and ``keys_only``, and
the consumer reads the object back (:func:`keys_only`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from enum import StrEnum
from typing import Any, NamedTuple

from mock_systems.erp import (
    ChangeNotification,
    CreateOrderResult,
    Erp,
    IdocError,
    PartnerRequest,
    PartnerResult,
    PriceRecord,
    RequestItem,
    SalesOrderDocument,
    SalesOrderRequest,
    SimulationResult,
    StatusLine,
)
from sim.engine import CallResult
from sim.integration.canonical import (
    Channel,
    Customer,
    Envelope,
    ListPrice,
    Order,
    OrderLine,
    OrderStatus,
    ShipmentLine,
    SubmissionReceipt,
    TrackingScan,
    ValidationResult,
    order_status,
)
from sim.integration.canonical.base import member_parser

__all__ = [
    "DeliveryReading",
    "ErpAdapter",
    "ErpEvent",
    "InvoiceStatus",
    "KEYS_ONLY",
    "OrderReading",
    "StatusReading",
    "created_order",
    "keys_only",
]

_CHANNELS = frozenset(channel.value for channel in Channel)

KEYS_ONLY = "keys_only"
"""The payload field (contract 1.0) that marks a notification event: keys, no status."""


def keys_only(envelope: Envelope) -> bool:
    """True for a notification event: the consumer must read the object back."""
    return bool(envelope.payload.get(KEYS_ONLY))


def created_order(envelope: Envelope) -> Order | None:
    """The canonical order an ``OrderCreated`` data event (contract 1.0) carries, if any.

    The ERP announces the orders it originated (EDI) with their header and items; a
    notification event (keys only) carries none, and the consumer reads the order back.
    """
    payload = envelope.payload
    items = payload.get("items")
    if envelope.type != "OrderCreated" or not items or payload.get("channel") not in _CHANNELS:
        return None
    reference = int(payload["order_ref"])
    return Order(
        correlation_id=envelope.correlation_id,
        order_ref=reference,
        customer_id=str(payload["sold_to"]),
        channel=Channel(payload["channel"]),
        region=str(payload["region"]),
        accepted_at=envelope.occurred_at,
        lines=tuple(
            OrderLine(line_no=int(n), sku=str(m), quantity=int(q), unit_price=float(p))
            for n, m, q, p in items
        ),
    )


class InvoiceStatus(StrEnum):
    """An invoice's status as CRM shows it: posted, then paid."""

    POSTED = "POSTED"
    PAID = "PAID"


invoice_status = member_parser(InvoiceStatus)
"""``InvoiceStatus(value)``, as one dictionary look-up."""


class ErpEvent(NamedTuple):
    """One ERP business event: the order it concerns and its envelope.

    The order is the event's key whatever its contract version (a 2.0 payload names the
    order's reference differently): a bus partitions by it, a consumer that cannot read
    the version still knows which order it drops.
    """

    order_ref: int
    envelope: Envelope


class StatusReading(NamedTuple):
    """What the ERP says about one order's status, its shipments and its invoices.

    ``changed_at`` is when the order status last moved. ``shipments`` are (ERP delivery,
    its status as the ERP knows it from tracking) for every delivery; ``invoices`` are
    (ERP delivery, its invoice's status) for every posted invoice.
    """

    order_ref: int
    status: str
    version: int
    erp_order_number: str
    changed_at: float
    shipments: tuple[tuple[str, OrderStatus], ...] = ()
    invoices: tuple[tuple[str, InvoiceStatus], ...] = ()


class DeliveryReading(NamedTuple):
    """One delivery of an order read back: where it ships from, what, and its status."""

    delivery: str
    plant: str
    lines: tuple[tuple[int, str, int], ...]
    """Item number, material and quantity of each delivery line."""
    status: OrderStatus


class OrderReading(NamedTuple):
    """An order read back by key: its status reading, hold and deliveries, as they are now.

    The order's header and items come along (customer, channel, region, creation time,
    and item number, material, quantity and net price per item): :meth:`canonical` is the
    canonical order, for a consumer that must create it elsewhere.
    """

    status: StatusReading
    hold_reason: str
    deliveries: tuple[DeliveryReading, ...]
    customer_id: str = ""
    channel: str = ""
    region: str = ""
    created_at: float = 0.0
    items: tuple[tuple[int, str, int, float], ...] = ()

    def delivery(self, delivery: str) -> DeliveryReading | None:
        """The delivery with this ERP number, if the order has it."""
        return next((d for d in self.deliveries if d.delivery == delivery), None)

    def canonical(self) -> Order | None:
        """The canonical order read back (None without items or a known channel)."""
        if not self.items or self.channel not in _CHANNELS:
            return None
        reference = self.status.order_ref
        return Order(
            correlation_id=f"O{reference:08d}",
            order_ref=reference,
            customer_id=self.customer_id,
            channel=Channel(self.channel),
            region=self.region,
            accepted_at=self.created_at,
            lines=tuple(
                OrderLine(line_no=n, sku=material, quantity=quantity, unit_price=price)
                for n, material, quantity, price in self.items
            ),
        )


def _reading(line: StatusLine) -> StatusReading:
    return StatusReading(
        line.customer_reference,
        line.status,
        line.version,
        line.sales_document,
        line.changed_at,
        tuple((delivery, order_status(status)) for delivery, status in line.deliveries),
        tuple((delivery, invoice_status(status)) for _, delivery, status in line.invoices),
    )


def _order_reading(document: SalesOrderDocument) -> OrderReading:
    return OrderReading(
        _reading(document.line),
        document.hold_reason,
        tuple(
            DeliveryReading(d.delivery, d.plant, d.items, order_status(d.status))
            for d in document.deliveries
        ),
        document.sold_to,
        document.channel,
        document.region,
        document.created_at,
        document.items,
    )


def _idoc_error(notice: IdocError) -> tuple[int, str]:
    return notice.BELNR, notice.reason


class ErpAdapter:
    """Maps between the canonical model and the ERP's dialect."""

    def __init__(self, erp: Erp) -> None:
        self.erp = erp
        self._messages = 0

    def deliver_events(
        self, consumer: Callable[[ErpEvent], None], types: frozenset[str] | None = None
    ) -> None:
        """Hand each change the ERP commits to ``consumer`` as an event, at that instant.

        The outbox pushes (no event per notification), so the consumer must not wait; it
        publishes, starts a process or submits a flow. Each event's envelope is stamped as
        sent at that instant and numbered in outbox order. With ``types``, only events of
        those types are mapped and handed on; the consumer does not listen for the rest.
        """
        sim, envelope = self.erp.sim, self.envelope

        def relay(note: ChangeNotification) -> None:
            if types is None or note.event in types:
                consumer(ErpEvent(note.customer_reference, envelope(note, sim.now)))

        self.erp.outbox.deliver_to(relay)

    @staticmethod
    def to_request(order: Order) -> SalesOrderRequest:
        """The ERP's inbound order for a canonical order."""
        return SalesOrderRequest(
            sold_to=order.customer_id,
            customer_reference=order.order_ref,
            channel=order.channel.value,
            items=tuple(
                RequestItem(line.sku, line.quantity, line.unit_price) for line in order.lines
            ),
        )

    def validate(
        self, order: Order, timeout: float = math.inf
    ) -> Generator[Any, Any, ValidationResult | CallResult]:
        """Run the ERP's order simulation and return the canonical verdict."""
        answer = yield from self.erp.simulate_order(self.to_request(order), timeout)
        if isinstance(answer, CallResult):
            return answer
        assert isinstance(answer, SimulationResult)
        return ValidationResult(order_ref=order.order_ref, ok=answer.ok, reasons=answer.reasons)

    def submit(
        self, order: Order, idempotency_key: str | None, timeout: float = math.inf
    ) -> Generator[Any, Any, SubmissionReceipt | CallResult]:
        """Create the sales order."""
        answer = yield from self.erp.create_order(self.to_request(order), idempotency_key, timeout)
        if isinstance(answer, CallResult):
            return answer
        assert isinstance(answer, CreateOrderResult)
        return SubmissionReceipt(
            order_ref=order.order_ref,
            accepted=answer.created,
            erp_order_number=answer.sales_document,
            status=order_status(answer.status) if answer.created else None,
            reason=answer.reason,
            replayed=answer.replayed,
        )

    def envelope(self, note: ChangeNotification, now: float) -> Envelope:
        """Wrap an ERP change notification as a canonical event."""
        self._messages += 1
        payload: dict[str, Any]
        if note.schema_version == "1.0":
            payload = {
                "order_ref": note.customer_reference,
                "erp_order_number": note.sales_document,
            }
            if note.keys_only:
                payload[KEYS_ONLY] = True
            else:
                payload["status"] = note.order_status
            payload.update(note.detail)
        else:  # 2.0 renames the header fields and nests the rest (an upgrade's contract)
            payload = {
                "CustomerReference": note.customer_reference,
                "SalesOrder": note.sales_document,
            }
            if note.keys_only:
                payload["KeysOnly"] = True
            else:
                payload["OverallStatus"] = note.order_status
            payload["Detail"] = dict(note.detail)
        return Envelope(
            message_id=f"erp-{self._messages:09d}",
            type=note.event,
            schema_version=note.schema_version,
            correlation_id=f"O{note.customer_reference:08d}",
            source="erp",
            occurred_at=note.occurred_at,
            sent_at=now,
            sequence=note.sequence,
            payload=payload,
        )

    def plants(self) -> list[str]:
        """The ERP's plants, sorted."""
        return sorted(set(self.erp.region_plants.values()))

    def plant_for(self, region: str) -> str:
        """The plant that serves a region."""
        return self.erp.plant_for(region)

    def atp_changes(
        self, plant: str, timeout: float = math.inf
    ) -> Generator[Any, Any, dict[str, int] | CallResult]:
        """Available-to-promise per SKU at a plant, for the SKUs that moved since last time."""
        return self.erp.atp_changes(plant, timeout)

    def release_hold(self, order_ref: int, timeout: float = math.inf) -> Generator[Any, Any, Any]:
        """Release an order held for pricing or tax once a person fixed the cause."""
        return self.erp.release_hold(order_ref, timeout)

    def cancel_order(
        self, order_ref: int, reason: str, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Cancel an ERP order and release what it holds (True if it was cancelled)."""
        return self.erp.cancel_order(order_ref, reason, timeout)

    def change_order(
        self, order_ref: int, line_no: int, quantity: int, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Change one line's quantity (True if changed, wholly or in part; False if refused)."""
        return self.erp.change_order(order_ref, line_no, quantity, timeout)

    def status_changes(
        self, since: float, timeout: float = math.inf, moved_until: float | None = None
    ) -> Generator[Any, Any, list[StatusReading] | CallResult]:
        """Every order whose status, a shipment or an invoice changed after ``since``.

        The ERP's change extract: one call for many orders. With ``moved_until``, only the
        orders whose status itself moved in (``since``, ``moved_until``] are read, in the
        extract's order: a caller that checks status moves alone translates no line it
        would drop (the extract is the same call either way).
        """
        answer = yield from self.erp.status_extract(since, timeout)
        if isinstance(answer, CallResult):
            return answer
        if moved_until is None:
            return [_reading(line) for line in answer]
        return [_reading(line) for line in answer if since < line.changed_at <= moved_until]

    def read_status(
        self, order_ref: int, timeout: float = math.inf
    ) -> Generator[Any, Any, StatusReading | CallResult | None]:
        """One order's status query (None: the ERP has no such order)."""
        answer = yield from self.erp.order_status(order_ref, timeout)
        if isinstance(answer, CallResult) or answer is None:
            return answer
        return _reading(answer)

    def read_order(
        self, order_ref: int, timeout: float = math.inf
    ) -> Generator[Any, Any, OrderReading | CallResult | None]:
        """Read the whole order back by key (None: the ERP has no such order)."""
        answer = yield from self.erp.read_order(order_ref, timeout)
        if isinstance(answer, CallResult) or answer is None:
            return answer
        return _order_reading(answer)

    def created_orders(
        self, since: float, timeout: float = math.inf
    ) -> Generator[Any, Any, list[OrderReading] | CallResult]:
        """Every order the ERP originated (EDI) after ``since``, read back whole, oldest first."""
        answer = yield from self.erp.orders_created(since, timeout)
        if isinstance(answer, CallResult):
            return answer
        return [_order_reading(document) for document in answer]

    def uncreated_orders(self, since: float) -> int:
        """ERP-originated orders after ``since`` (a peek for the harness, not an API call)."""
        return self.erp.originated_after(since)

    def ship_to_region(self, order_ref: int) -> str:
        """The sales region an order ships to, as its delivery documents carry it."""
        order = self.erp.orders[self.erp.by_reference[order_ref]]
        return self.erp.customers[order.sold_to].region

    def deliver_idoc_errors(self, consumer: Callable[[int, str], None]) -> None:
        """Hand each IDoc that fails its application checks to ``consumer`` (order, reason)."""
        self.erp.idoc_errors.deliver_to(lambda notice: consumer(*_idoc_error(notice)))

    def reprocess_idoc(self, order_ref: int, timeout: float = math.inf) -> Generator[Any, Any, Any]:
        """Post an IDoc in error again, prices corrected (True once the order exists)."""
        return self.erp.reprocess_idoc(order_ref, timeout)

    def close_idoc(self, order_ref: int, timeout: float = math.inf) -> Generator[Any, Any, Any]:
        """Reject an IDoc in error: no further processing (True if it was closed)."""
        return self.erp.close_idoc(order_ref, timeout)

    def unsynced_changes(self, since: float) -> int:
        """Changes the change extract would report after ``since``.

        A read-only peek for the harness (is work still pending at the end of a run?), not
        an API call: no pattern may use it to learn what changed.
        """
        return self.erp.changes_after(since)

    def delivery_number(self, delivery: str) -> int:
        """The numeric id of a delivery (used as the shipment number)."""
        return self.erp.deliveries[delivery].number

    def delivery_lines(self, delivery: str) -> tuple[tuple[int, str, int], ...]:
        """Item number, material and quantity of each delivery line."""
        return tuple(self.erp.deliveries[delivery].items)

    def confirm_pick_release(
        self, delivery: str, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Tell the ERP the warehouse took the delivery."""
        return self.erp.confirm_pick_release(delivery, timeout)

    def post_goods_issue(
        self,
        delivery: str,
        tracking_number: str,
        timeout: float = math.inf,
        lines: tuple[ShipmentLine, ...] | None = None,
    ) -> Generator[Any, Any, Any]:
        """Post goods issue for a shipped delivery, with the quantities shipped per line."""
        picked = None if lines is None else tuple((line.line_no, line.quantity) for line in lines)
        return self.erp.post_goods_issue(delivery, tracking_number, timeout, picked=picked)

    def record_tracking(
        self, delivery: str, scan: TrackingScan, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Pass a carrier milestone to the ERP."""
        return self.erp.record_tracking(delivery, scan.code.value, scan.occurred_at, timeout)

    # ------------------------------------------------------------ master data
    def create_partner(
        self, customer: Customer, timeout: float = math.inf
    ) -> Generator[Any, Any, Customer | CallResult]:
        """Create the customer's business partner; the customer with its ERP number."""
        request = PartnerRequest(
            customer.customer_id, customer.reference, customer.name, customer.region
        )
        answer = yield from self.erp.create_business_partner(request, timeout)
        if isinstance(answer, PartnerResult):
            return customer.model_copy(update={"erp_number": answer.sold_to})
        result: CallResult = answer
        return result

    def deliver_price_changes(self, consumer: Callable[[str], None]) -> None:
        """Hand the key (SKU) of each list price change to ``consumer``, at that instant.

        A notification event: the consumer reads the price back (:meth:`read_prices`).
        """
        self.erp.price_outbox.deliver_to(consumer)

    def read_prices(
        self, skus: tuple[str, ...], timeout: float = math.inf
    ) -> Generator[Any, Any, list[ListPrice] | CallResult]:
        """The ERP's list prices of ``skus``."""
        answer = yield from self.erp.read_prices(skus, timeout)
        return answer if isinstance(answer, CallResult) else _prices(answer)

    def prices_changed_since(
        self, since: float, timeout: float = math.inf
    ) -> Generator[Any, Any, list[ListPrice] | CallResult]:
        """List prices of every product whose price changed after ``since`` (an extract)."""
        answer = yield from self.erp.prices_changed_since(since, timeout)
        return answer if isinstance(answer, CallResult) else _prices(answer)


def _prices(records: list[PriceRecord]) -> list[ListPrice]:
    return [
        ListPrice(sku=r.material, unit_price=r.list_price, changed_at=r.changed_at) for r in records
    ]
