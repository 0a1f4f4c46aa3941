"""CRM status sync: write the ERP's news about an order to CRM, only ever forwards.

Whatever carries the news (a bus event, a poll per order, a bulk extract, a
reconciliation repair), it ends as a :class:`StatusNews` and is written here:

* the order status only if its ``version`` (the ERP's per-order sequence) is newer than
  what CRM shows; older news is ``integration.stale_discarded``;
* a shipment's status and an invoice's status only if they move forward;
* what CRM shows is remembered only once the write has landed, so a failed write is
  tried again by the next news rather than lost.

With resequencing switched off every version counts as newer, which is how a test shows
the CRM moving backwards without it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any, NamedTuple

from sim.engine import CallResult
from sim.integration.adapters import CrmAdapter, ErpAdapter
from sim.integration.blocks.durable_writes import DurableWriter
from sim.integration.canonical import STATUS_RANK, Envelope, OrderStatus
from sim.integration.messaging import LatestWins, Outcome, Retrier

__all__ = ["StatusNews", "CrmStatusSync", "news_from_event"]

_INVOICE_STATUS = {"InvoicePosted": "POSTED", "PaymentReceived": "PAID"}
_INVOICE_RANK = {"POSTED": 1, "PAID": 2}


class StatusNews(NamedTuple):
    """What the ERP says about one order, in the canonical model."""

    order_ref: int
    status: OrderStatus
    version: int
    occurred_at: float
    erp_order_number: str | None = None
    shipment: tuple[str, OrderStatus] | None = None
    """(ERP delivery, its status) when the news is about a shipment."""
    invoice: tuple[str, str] | None = None
    """(ERP delivery, POSTED or PAID) when the news is about an invoice."""


def news_from_event(envelope: Envelope) -> StatusNews:
    """The news an ERP business event (contract version 1.0 payload) carries."""
    payload = envelope.payload
    shipment = invoice = None
    if envelope.type == "ShipmentStatusChanged":
        shipment = (str(payload["delivery"]), OrderStatus(payload["delivery_status"]))
    else:
        invoice_status = _INVOICE_STATUS.get(envelope.type)
        if invoice_status is not None:
            invoice = (str(payload["delivery"]), invoice_status)
    return StatusNews(
        int(payload["order_ref"]),
        OrderStatus(payload["status"]),
        envelope.sequence,
        envelope.occurred_at,
        payload.get("erp_order_number"),
        shipment,
        invoice,
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

    def apply(self, news: StatusNews) -> Generator[Any, Any, Outcome]:
        """Write what is newer than CRM shows; STALE if nothing is."""
        ref = news.order_ref
        status: OrderStatus | None = None
        if self._newer(ref, news.version):
            status = news.status
        else:
            self.record("stale_discarded", order=ref, subject=news.version)
        shipment = invoice = None
        if news.shipment is not None:
            delivery, shipment_status = news.shipment
            if self._shipments.is_newer((ref, delivery), STATUS_RANK[shipment_status]):
                shipment = (self.erp.delivery_number(delivery), shipment_status)
        if news.invoice is not None:
            delivery, invoice_status = news.invoice
            if self._invoices.is_newer((ref, delivery), _INVOICE_RANK[invoice_status]):
                invoice = (self.erp.delivery_number(delivery), invoice_status)
        if status is None and shipment is None and invoice is None:
            return Outcome.STALE
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
                shipment=shipment,
                invoice=invoice,
                timeout=self.timeout_s,
            ),
            ref,
            "crm_status",
        )
        if isinstance(answer, CallResult) and not answer.ok:
            return Outcome.FAILED
        # remember what CRM now shows only once the write has landed
        if status is not None:
            self.versions.accept(ref, news.version)
        if shipment is not None and news.shipment is not None:
            self._shipments.accept((ref, news.shipment[0]), STATUS_RANK[shipment[1]])
        if invoice is not None and news.invoice is not None:
            self._invoices.accept((ref, news.invoice[0]), _INVOICE_RANK[invoice[1]])
        return Outcome.APPLIED
