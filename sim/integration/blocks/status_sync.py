"""CRM status sync: write the ERP's news about an order to CRM, only ever forwards.

Whatever carries the news (a bus event, a poll per order, a bulk extract, an order read
back for a notification event, a reconciliation repair), it ends as a :class:`StatusNews`
and is written here:

* the order status only if its ``version`` (the ERP's per-order sequence) is newer than
  what CRM shows; older news is ``integration.stale_discarded``;
* each shipment's status and each invoice's status only if they move forward: news can
  carry several (a status query or an extract line holds every delivery and invoice of the
  order), and only those CRM does not show yet are written. CRM takes one shipment and one
  invoice per write, so news with several changes becomes several writes, the first one
  with the order status;
* shipments are the carrier's milestones (IN_TRANSIT and on), as CRM shows them;
* what CRM shows is remembered only once the write has landed, so a failed write is
  tried again by the next news rather than lost.

With resequencing switched off every version counts as newer, which is how a test shows
the CRM moving backwards without it.

News about an order the CRM has no record of (one that began in the ERP, an EDI order)
goes to ``on_unknown`` first, which creates the record (the ERP order intake,
:mod:`sim.integration.blocks.order_intake`); without it the news is dropped with an
``integration.no_crm_record`` row.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any, NamedTuple

from sim.engine import CallResult
from sim.integration.adapters import CrmAdapter, ErpAdapter, StatusReading
from sim.integration.adapters.erp import InvoiceStatus
from sim.integration.blocks.durable_writes import DurableWriter
from sim.integration.canonical import STATUS_RANK, Envelope, OrderStatus, order_status
from sim.integration.messaging import LatestWins, Outcome, Retrier

__all__ = ["StatusNews", "CrmStatusSync", "news_from_event", "news_from_reading"]

_INVOICE_STATUS = {"InvoicePosted": InvoiceStatus.POSTED, "PaymentReceived": InvoiceStatus.PAID}
_INVOICE_RANK = {InvoiceStatus.POSTED: 1, InvoiceStatus.PAID: 2}
_CARRIER_RANK = STATUS_RANK[OrderStatus.IN_TRANSIT]
"""CRM shows a shipment from its first carrier milestone on."""

Shipment = tuple[str, OrderStatus]
"""(ERP delivery, its status)."""
InvoiceNews = tuple[str, InvoiceStatus]
"""(ERP delivery, its invoice's status)."""


class StatusNews(NamedTuple):
    """What the ERP says about one order, in the canonical model."""

    order_ref: int
    status: OrderStatus
    version: int
    occurred_at: float
    erp_order_number: str | None = None
    shipments: tuple[Shipment, ...] = ()
    """(ERP delivery, its status) of each shipment the news is about."""
    invoices: tuple[InvoiceNews, ...] = ()
    """(ERP delivery, POSTED or PAID) of each invoice the news is about."""


def news_from_event(envelope: Envelope) -> StatusNews:
    """The news an ERP business event (a data event, contract version 1.0 payload) carries."""
    payload = envelope.payload
    shipments: tuple[Shipment, ...] = ()
    invoices: tuple[InvoiceNews, ...] = ()
    if envelope.type == "ShipmentStatusChanged":
        shipments = ((str(payload["delivery"]), order_status(payload["delivery_status"])),)
    else:
        invoice_status = _INVOICE_STATUS.get(envelope.type)
        if invoice_status is not None:
            invoices = ((str(payload["delivery"]), invoice_status),)
    return StatusNews(
        int(payload["order_ref"]),
        order_status(payload["status"]),
        envelope.sequence,
        envelope.occurred_at,
        payload.get("erp_order_number"),
        shipments,
        invoices,
    )


def news_from_reading(reading: StatusReading) -> StatusNews:
    """The news in a status reading: the order, its shipments on their way and its invoices."""
    return StatusNews(
        reading.order_ref,
        order_status(reading.status),
        reading.version,
        reading.changed_at,
        reading.erp_order_number,
        tuple(s for s in reading.shipments if STATUS_RANK[s[1]] >= _CARRIER_RANK),
        reading.invoices,
    )


def _always(_key: object, _version: float) -> bool:
    """Resequencing switched off: every version counts as newer."""
    return True


class CrmStatusSync:
    """Writes status news to CRM through durable writes, newest first wins."""

    def __init__(
        self,
        record: Callable[..., None],
        crm: CrmAdapter,
        erp: ErpAdapter,
        writer: DurableWriter,
        retriers: tuple[Retrier, Retrier],
        timeout_s: float,
        resequencing: bool,
    ) -> None:
        self.record = record
        self.crm = crm
        self.erp = erp
        self.writer = writer
        self.retrier, self.parking = retriers
        self.timeout_s = timeout_s
        self.versions = LatestWins()
        """The order status version CRM shows, per order."""
        self._shipments = LatestWins()
        self._invoices = LatestWins()
        self._newer = self.versions.is_newer if resequencing else _always
        self.on_unknown: Callable[[int], Generator[Any, Any, bool]] | None = None
        """Creates the CRM record of an order the CRM lacks (True once it exists)."""

    def apply(self, news: StatusNews) -> Generator[Any, Any, Outcome]:
        """Write what is newer than CRM shows; STALE if nothing is."""
        ref = news.order_ref
        if not self.crm.has_record(ref):
            if self.on_unknown is None:
                self.record("no_crm_record", order=ref, status=news.status.value)
                return Outcome.STALE
            taken = yield from self.on_unknown(ref)
            if not taken:
                return Outcome.FAILED
        status: OrderStatus | None = None
        if self._newer(ref, news.version):
            status = news.status
        else:
            self.record("stale_discarded", order=ref, subject=news.version)
        shipments = [
            (delivery, shipment_status)
            for delivery, shipment_status in news.shipments
            if self._shipments.is_newer((ref, delivery), STATUS_RANK[shipment_status])
        ]
        invoices = [
            (delivery, invoice_status)
            for delivery, invoice_status in news.invoices
            if self._invoices.is_newer((ref, delivery), _INVOICE_RANK[invoice_status])
        ]
        if status is None and not shipments and not invoices:
            return Outcome.STALE
        for write in range(max(1, len(shipments), len(invoices))):
            shipment = shipments[write] if write < len(shipments) else None
            invoice = invoices[write] if write < len(invoices) else None
            landed = yield from self._write(news, status, shipment, invoice)
            if not landed:
                return Outcome.FAILED
            # remember what CRM now shows only once the write has landed
            if status is not None:
                self.versions.accept(ref, news.version)
                status = None  # the order status goes with the first write only
            if shipment is not None:
                self._shipments.accept((ref, shipment[0]), STATUS_RANK[shipment[1]])
            if invoice is not None:
                self._invoices.accept((ref, invoice[0]), _INVOICE_RANK[invoice[1]])
        return Outcome.APPLIED

    def forget_order(self, order_ref: int, deliveries: tuple[str, ...]) -> None:
        """Forget what CRM shows of an archived order: its version, shipments and invoices."""
        self.versions.forget(order_ref)
        for delivery in deliveries:
            self._shipments.forget((order_ref, delivery))
            self._invoices.forget((order_ref, delivery))

    def remembers(self, order_ref: int, deliveries: tuple[str, ...]) -> bool:
        """True while anything CRM shows of the order is remembered."""
        keys = [(order_ref, delivery) for delivery in deliveries]
        return (
            order_ref in self.versions
            or any(key in self._shipments for key in keys)
            or any(key in self._invoices for key in keys)
        )

    def _write(
        self,
        news: StatusNews,
        status: OrderStatus | None,
        shipment: Shipment | None,
        invoice: InvoiceNews | None,
    ) -> Generator[Any, Any, bool]:
        """One CRM write (order status if any, a shipment, an invoice); True if it landed."""
        ref = news.order_ref
        delivery_number = self.erp.delivery_number
        answer = yield from self.writer.until_done(
            self.retrier,
            self.parking,
            partial(
                self.crm.update_status,
                ref,
                status=status,
                source_time=news.occurred_at,
                sequence=news.version if status is not None else None,
                erp_order_number=news.erp_order_number,
                shipment=None if shipment is None else (delivery_number(shipment[0]), shipment[1]),
                invoice=None if invoice is None else (delivery_number(invoice[0]), invoice[1]),
                timeout=self.timeout_s,
            ),
            ref,
            "crm_status",
        )
        return not (isinstance(answer, CallResult) and not answer.ok)
