"""Pattern 1, direct (point to point): a CRM trigger, point-to-point handoffs, CRM polling.

Order intake (per accepted quote)::

    CRM trigger -> ERP create order, synchronously; the ERP validates inline
                -> the rep sees the ERP's answer on the quote
    refused or timed out: a few tries at once, then the order is flagged for manual
    re-keying at the order desk

The trigger sends **no idempotency key**: when the ERP committed an order but its answer
was lost, the next try (or the person re-keying it) creates a second ERP order.

Status: a scheduled CRM job polls the ERP's status query (``order_status``) for each
open order every ``integration.direct.poll_interval_s`` and writes what changed: the
order status, each shipment's milestone and each invoice's status. API calls grow with
the number of open orders and CRM is as stale as the poll interval. An order is polled
until it is cancelled, or delivered with every invoice paid; a delivered order waiting for
its payments (weeks, by the payment terms) is polled once every
``integration.direct.payment_poll_interval_s`` (nightly by default) until they arrive.

EDI orders begin in the ERP, so the per-order poll never finds them: the same scheduled
CRM job also asks the ERP's "orders created since" query (on the change extract's
endpoint) every poll interval, creates each new order's CRM order record with its current
status, and polls it from then on like any open order.

Fulfilment is point to point: each ERP allocation is released to the WMS as it is
committed, each WMS ship confirmation is tendered to the carrier, and each carrier scan is
passed to the ERP as it arrives, with no deduplication and no resequencing. When the
ERP's events carry keys only (``systems.erp.event_payload: keys``), each allocation or
hold is read back from the ERP first (a failed read-back goes to the order desk). An ERP
event in a contract version the integration cannot read is dropped (there is no queue to
keep it in). Exceptions (holds, failed writes, re-keying) go to the order desk.

Master data: a CRM trigger replicates each new account to the ERP at once (a few tries);
a nightly batch (``integration.master_data.batch_interval_s``) extracts the list prices
changed since its last good run into the CRM price book and sends again the accounts not
yet replicated. Quotes between an ERP price change and the next night carry the old price.
Returns: the CRM case triggers the ERP return order synchronously (no idempotency key) and
the rep sees the RMA or the refusal at once; each authorisation is sent to the warehouse
and each warehouse receipt to the ERP point to point; the CRM job polls each open return's
status every ``poll_interval_s`` to learn of receipts and credit memos.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Any, ClassVar

from sim.engine import CallResult
from sim.integration.adapters import ReturnsAdapter
from sim.integration.adapters.erp import ErpEvent, InvoiceStatus, StatusReading, keys_only
from sim.integration.blocks import OrderPoller, ReturnsFlow
from sim.integration.canonical import Order, OrderStatus, ValidationResult
from sim.integration.messaging import RetryPolicy
from sim.integration.patterns.base import PatternContext
from sim.integration.patterns.composed import ComposedPattern
from sim.integration.patterns.registry import register_pattern
from sim.integration.settings import IntegrationSettings

__all__ = ["DirectPattern", "polled_to_the_end"]


def polled_to_the_end(reading: StatusReading) -> bool:
    """True when CRM has the last of an order: cancelled, or delivered and all invoices paid.

    A delivered order is still polled until its payments arrive, since CRM shows each
    invoice's status; the calls this costs are the direct pattern's price for status.
    """
    if reading.status == OrderStatus.CANCELLED.value:
        return True
    return (
        reading.status == OrderStatus.DELIVERED.value
        and bool(reading.invoices)
        and all(status is InvoiceStatus.PAID for _, status in reading.invoices)
    )


@register_pattern
class DirectPattern(ComposedPattern):
    """Synchronous point-to-point calls and per-order polling (DOMAIN.md, pattern 1)."""

    name: ClassVar[str] = "direct"
    MECHANISMS: ClassVar[frozenset[str]] = frozenset(
        {"retry", "order_desk", "compensation", "erp_order_intake"}
    )

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        self.build_fulfilment()
        erp, timeout = context.erp, self.timeouts.erp_extract_s
        self.poller = OrderPoller(
            self.run,
            self.record,
            lambda ref: self.callers.erp_orders.run_call(
                partial(erp.read_status, ref, timeout), ref
            ),
            self.status_sync,
            self.settings.direct.poll_interval_s,
            self.settings.direct.poll_concurrency,
            polled_to_the_end,
            self._pause,
        )

    @classmethod
    def tuned(cls, settings: IntegrationSettings) -> IntegrationSettings:
        """A few tries at once, in place of the integration's retry policy."""
        direct = settings.direct
        retry = RetryPolicy(
            max_attempts=direct.attempts,
            base_delay_s=direct.retry_delay_s,
            multiplier=1.0,
            max_delay_s=direct.retry_delay_s,
            jitter="none",
            budget_ratio=None,
        )
        return super().tuned(settings).model_copy(update={"retry": retry})

    def start(self) -> None:
        """Hook the CRM trigger, the ERP's outbound calls and the CRM polling job."""
        ctx = self.context
        ctx.crm.deliver_accepted_orders(self._trigger)
        ctx.erp.deliver_events(self._on_erp_change)
        self.start_common()
        self.poller.start()
        if self.mechanisms.erp_order_intake:
            self.intake.poll_created(self.settings.direct.poll_interval_s, self.poller.watch)
        md = self.master_data
        md.listen_accounts(lambda customer: self.spawn(partial(md.replicate, customer)))
        md.schedule(self.settings.master_data.batch_interval_s, md.nightly, self.spawn)

    def start_returns(self, flow: ReturnsFlow, adapter: ReturnsAdapter) -> None:
        """Returns point to point; the CRM job polls each open return like each order."""
        super().start_returns(flow, adapter)
        self.sim.process(flow.poll_each(self.settings.direct.poll_interval_s))

    def in_flight(self) -> tuple[int, int]:
        """(0, held orders and parked writes plus ERP orders not yet taken into the CRM)."""
        messages, pending = super().in_flight()
        if self.mechanisms.erp_order_intake:
            pending += self.intake.pending()
        return messages, pending

    # ------------------------------------------------------------ the CRM trigger
    def _trigger(self, order: Order) -> None:
        self.sim.process(self._create(order))

    def _create(self, order: Order) -> Generator[Any, Any, None]:
        self.receive(order)
        ref = order.order_ref
        self.poller.watch(ref)
        submission = self.submission
        receipt = yield from submission.submit(order, submission.key(order))
        if isinstance(receipt, CallResult):
            self.record("validated", order=ref, status=receipt.status)
            verdict = ValidationResult(order_ref=ref, ok=False, reasons=("not_reached",))
            self.sim.process(self.show_verdict(verdict))
            self.exception_desk.raise_exception(
                ref, "manual_rekey", submission.redo(order, key=False)
            )
            return
        reasons = () if receipt.accepted else (receipt.reason or "rejected",)
        self.record("validated", order=ref, status=reasons[0] if reasons else "ok")
        verdict = ValidationResult(order_ref=ref, ok=not reasons, reasons=reasons)
        self.sim.process(self.show_verdict(verdict))
        submission.submitted(receipt, order)

    # ------------------------------------------------------------ point-to-point handoffs
    def _on_erp_change(self, event: ErpEvent) -> None:
        """The ERP's outbound call for each change: allocations to the WMS, holds to people."""
        ref, envelope = event
        if envelope.schema_version != "1.0":
            self.record("message_dropped", order=ref, status="unknown_schema")
            return
        payload = envelope.payload
        if envelope.type in ("OrderHeld", "InventoryAllocated") and keys_only(envelope):
            self.sim.process(self.act_by_key(ref, envelope.type, str(payload.get("delivery", ""))))
        elif envelope.type == "OrderHeld":
            self.exception_desk.raise_exception(ref, str(payload["reason"]))
        elif envelope.type == "InventoryAllocated":
            lines = tuple((int(n), str(m), int(q)) for n, m, q in payload["items"])
            self.sim.process(
                self.fulfilment.release(ref, str(payload["delivery"]), str(payload["plant"]), lines)
            )

    # ------------------------------------------------------------ the CRM polling job
    def _pause(self, reading: StatusReading) -> float:
        """A delivered order waiting for payment is polled at the payment-poll interval."""
        if reading.status == OrderStatus.DELIVERED.value:
            return self.settings.direct.payment_poll_interval_s
        return 0.0

    def _tell_crm_cancelled(self, order_ref: int, reason: str) -> Generator[Any, Any, Any]:
        """A cancelled order is no longer polled for."""
        self.poller.forget(order_ref)
        return super()._tell_crm_cancelled(order_ref, reason)
