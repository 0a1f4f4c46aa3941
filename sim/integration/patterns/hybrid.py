"""Pattern 4, hybrid: synchronous process APIs in front, asynchronous events behind.

Validation and submission are synchronous calls; ERP status events travel over a bus.

Order intake (per accepted quote)::

    CRM QuoteAccepted -> ERP order simulation (retry, circuit breaker)
                      -> rep sees the verdict in CRM
                      -> ERP create order with the correlation id as idempotency key
                         (ERP down or breaker open: stored and forwarded later)

Status and fulfilment (asynchronous)::

    ERP outbox -> bus topic erp.order-events (partitioned by order)
        -> crm-status-sync: resequence by sequence, write CRM status fields
        -> fulfilment-router: InventoryAllocated -> WMS pick release -> ERP pick confirmation
    WMS ship confirm -> carrier tender -> ERP goods issue (invoice by ERP policy)
    carrier scans -> dedupe on carrier event id, apply only newer occurred_at -> ERP tracking

Master-data conflicts go to the exception queue (a named exception state).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, ClassVar

from sim.engine import CallResult, Mailbox
from sim.integration.canonical import (
    Envelope,
    Order,
    OrderStatus,
    SubmissionReceipt,
    TrackingScan,
    ValidationResult,
)
from sim.integration.messaging import (
    CircuitBreaker,
    LatestWins,
    MessageBus,
    Retrier,
    RetryPolicy,
    SeenIds,
)
from sim.integration.patterns.base import IntegrationPattern, PatternContext
from sim.integration.patterns.registry import register_pattern

__all__ = ["HybridPattern", "ORDER_EVENTS"]

ORDER_EVENTS = "erp.order-events"
"""The bus topic carrying the ERP's business events."""

_INVOICE_STATUS = {"InvoicePosted": "POSTED", "PaymentReceived": "PAID"}


def _order_key(envelope: Envelope) -> int:
    return int(envelope.payload["order_ref"])


@register_pattern
class HybridPattern(IntegrationPattern):
    """Process APIs for the synchronous path, an event bus for status (DOMAIN.md, pattern 4)."""

    name: ClassVar[str] = "hybrid"

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        settings = context.settings
        run = context.run
        self.erp_breaker = CircuitBreaker(run, "erp", settings.circuit_breaker)
        self.erp_retry = Retrier(run, "erp", settings.retry, self.erp_breaker)
        self.crm_retry = Retrier(run, "crm", settings.retry)
        self.wms_retry = Retrier(run, "wms", settings.retry)
        self.carrier_retry = Retrier(run, "carrier", settings.retry)
        self.forward_retry = Retrier(
            run,
            "forward",
            RetryPolicy(
                max_attempts=1_000_000,
                base_delay_s=settings.forward_retry_interval_s,
                multiplier=1.0,
                max_delay_s=settings.forward_retry_interval_s,
            ),
            self.erp_breaker,
            wait_for_breaker=True,
        )
        self.park_retry = Retrier(
            run,
            "parked",
            RetryPolicy(
                max_attempts=1_000_000,
                base_delay_s=settings.forward_retry_interval_s,
                multiplier=1.0,
                max_delay_s=settings.forward_retry_interval_s,
            ),
        )
        self.bus = MessageBus(run, settings.bus)
        self.forward_queue: Mailbox[Order] = Mailbox(run.sim)
        self.exceptions: dict[int, str] = {}
        self._regions: dict[int, str] = {}
        self._crm_versions = LatestWins()
        self._scan_ids = SeenIds()
        self._scan_times = LatestWins()
        self._scan_work: Mailbox[TrackingScan] = Mailbox(run.sim)

    def start(self) -> None:
        """Subscribe to the bus and start the relays."""
        settings = self.context.settings
        self.bus.subscribe(
            ORDER_EVENTS,
            "crm-status-sync",
            self._sync_crm,
            settings.status_sync_partitions,
            _order_key,
        )
        self.bus.subscribe(
            ORDER_EVENTS,
            "fulfilment-router",
            self._route_fulfilment,
            settings.fulfilment_partitions,
            _order_key,
            frozenset({"InventoryAllocated"}),
        )
        for relay in (
            self._intake,
            self._relay_erp_events,
            self._relay_ship_confirms,
            self._relay_scans,
            self._forward_stored,
        ):
            self.sim.process(relay())
        for _ in range(settings.scan_workers):
            self.sim.process(self._apply_scans())

    # ------------------------------------------------------------ synchronous path
    def _intake(self) -> Generator[Any, Any, None]:
        quotes = self.context.crm.accepted_quotes
        while True:
            message = yield from quotes.take()
            self.sim.process(self._take_order(message))

    def _take_order(self, message: Any) -> Generator[Any, Any, None]:
        ctx = self.context
        order: Order = ctx.crm.order_from(message)
        ref = order.order_ref
        self._regions[ref] = order.region
        self.record("order_received", order=ref, status=order.channel.value)
        verdict = yield from self.erp_retry.run_call(lambda: ctx.erp.validate(order), ref)
        if isinstance(verdict, CallResult):
            # ERP unreachable: the rep gets a provisional answer; the order is not lost
            verdict = ValidationResult(order_ref=ref, ok=True, provisional=True)
            self.record("validation_provisional", order=ref)
        assert isinstance(verdict, ValidationResult)
        self.record("validated", order=ref, status="ok" if verdict.ok else verdict.reasons[0])
        yield from self._until_done(
            self.crm_retry, lambda: ctx.crm.show_validation(verdict), ref, "crm_validation"
        )
        if "master_data_conflict" in verdict.reasons:
            self._raise_exception(ref, "master_data_conflict")
            return
        receipt = yield from self.erp_retry.run_call(
            lambda: ctx.erp.submit(order, order.correlation_id), ref
        )
        if isinstance(receipt, CallResult):
            self.record("stored_for_forwarding", order=ref, status=receipt.status)
            self.forward_queue.put(order)
            return
        self._submitted(receipt)

    def _forward_stored(self) -> Generator[Any, Any, None]:
        ctx = self.context
        while True:
            order: Order = yield from self.forward_queue.take()

            def submit(order: Order = order) -> Generator[Any, Any, Any]:
                return ctx.erp.submit(order, order.correlation_id)

            receipt = yield from self.forward_retry.run_call(submit, order.order_ref)
            if isinstance(receipt, CallResult):
                self.record("forwarding_failed", order=order.order_ref, status=receipt.status)
                self._raise_exception(order.order_ref, "submission_failed")
                continue
            self.record("forwarded", order=order.order_ref)
            self._submitted(receipt)

    def _submitted(self, receipt: SubmissionReceipt) -> None:
        if receipt.accepted:
            self.record(
                "order_submitted",
                order=receipt.order_ref,
                status="replayed" if receipt.replayed else "new",
            )
        else:
            self._raise_exception(receipt.order_ref, receipt.reason or "rejected")

    def _until_done(
        self,
        retrier: Retrier,
        operation: Callable[[], Generator[Any, Any, Any]],
        ref: int,
        what: str,
    ) -> Generator[Any, Any, Any]:
        """Run a write with its retry policy; if that gives up, park it and keep retrying.

        Parking is the pattern's store and forward for every asynchronous write: the work
        is held (``integration.parked``) and retried every ``forward_retry_interval_s``
        until it lands (``integration.unparked``), so an outage delays work but loses none.
        """
        answer = yield from retrier.run_call(operation, ref)
        if not isinstance(answer, CallResult) or answer.ok:
            return answer
        self.record("parked", order=ref, status=what)
        answer = yield from self.park_retry.run_call(operation, ref)
        if isinstance(answer, CallResult) and not answer.ok:
            self._raise_exception(ref, f"{what}_failed")
            return answer
        self.record("unparked", order=ref, status=what)
        return answer

    def _raise_exception(self, order_ref: int, reason: str) -> None:
        self.exceptions[order_ref] = reason
        self.record("exception_raised", order=order_ref, status=reason)

    # ------------------------------------------------------------ asynchronous path
    def _relay_erp_events(self) -> Generator[Any, Any, None]:
        erp = self.context.erp
        while True:
            note = yield from erp.notifications.take()
            envelope = erp.envelope(note, self.sim.now)
            self.bus.publish(ORDER_EVENTS, envelope, note.customer_reference)

    def _sync_crm(self, envelope: Envelope) -> Generator[Any, Any, None]:
        payload = envelope.payload
        ref = int(payload["order_ref"])
        status: OrderStatus | None = None
        if self._crm_versions.accept(ref, envelope.sequence):
            status = OrderStatus(payload["status"])
        else:
            self.record("stale_discarded", order=ref, subject=envelope.sequence)
        shipment = None
        if envelope.type == "ShipmentStatusChanged":
            shipment = (
                self.context.erp.delivery_number(payload["delivery"]),
                OrderStatus(payload["delivery_status"]),
            )
        invoice_status = _INVOICE_STATUS.get(envelope.type)
        if status is None and shipment is None and invoice_status is None:
            return
        crm = self.context.crm
        yield from self._until_done(
            self.crm_retry,
            lambda: crm.update_status(
                ref,
                status=status,
                source_time=envelope.occurred_at,
                sequence=envelope.sequence if status is not None else None,
                erp_order_number=payload.get("erp_order_number"),
                shipment=shipment,
                invoice_status=invoice_status,
            ),
            ref,
            "crm_status",
        )

    def _route_fulfilment(self, envelope: Envelope) -> Generator[Any, Any, None]:
        if envelope.type != "InventoryAllocated":
            return
        ctx = self.context
        payload = envelope.payload
        ref = int(payload["order_ref"])
        delivery = str(payload["delivery"])
        number = ctx.erp.delivery_number(delivery)
        lines = tuple((int(n), str(m), int(q)) for n, m, q in payload["items"])
        released = yield from self._until_done(
            self.wms_retry,
            lambda: ctx.wms.release(delivery, number, ref, str(payload["plant"]), lines),
            ref,
            "pick_release",
        )
        if isinstance(released, CallResult):
            return
        yield from self._until_done(
            self.erp_retry, lambda: ctx.erp.confirm_pick_release(delivery), ref, "pick_confirm"
        )

    def _relay_ship_confirms(self) -> Generator[Any, Any, None]:
        confirms = self.context.wms.ship_confirms
        while True:
            confirm = yield from confirms.take()
            self.sim.process(self._ship(confirm))

    def _ship(self, confirm: Any) -> Generator[Any, Any, None]:
        ctx = self.context
        ref = confirm.order_ref
        shipment = ctx.wms.shipment_from(confirm, self._regions[ref])
        tracking = yield from self._until_done(
            self.carrier_retry,
            lambda: ctx.carrier.tender(shipment, confirm.delivery_number),
            ref,
            "carrier_tender",
        )
        if isinstance(tracking, CallResult):
            return
        yield from self._until_done(
            self.erp_retry,
            lambda: ctx.erp.post_goods_issue(shipment.shipment_id, str(tracking)),
            ref,
            "goods_issue",
        )

    def _relay_scans(self) -> Generator[Any, Any, None]:
        feed = self.context.carrier.scans
        while True:
            raw = yield from feed.take()
            scan = self.context.carrier.scan_from(raw)
            if not self._scan_ids.first_time(scan.carrier_event_id):
                self.record("duplicate_suppressed", order=scan.order_ref, status=scan.code.value)
                continue
            if not self._scan_times.accept(scan.shipment_id, scan.occurred_at):
                self.record("stale_discarded", order=scan.order_ref, status=scan.code.value)
                continue
            self._scan_work.put(scan)

    def _apply_scans(self) -> Generator[Any, Any, None]:
        """One of the workers passing accepted scans to the ERP."""
        erp = self.context.erp
        while True:
            scan: TrackingScan = yield from self._scan_work.take()

            def apply(scan: TrackingScan = scan) -> Generator[Any, Any, Any]:
                return erp.record_tracking(scan.shipment_id, scan)

            yield from self._until_done(self.erp_retry, apply, scan.order_ref, "tracking")
