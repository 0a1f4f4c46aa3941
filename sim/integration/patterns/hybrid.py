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

Master-data conflicts and orders the ERP holds for anything but credit (pricing, tax) go to
the exception queue, a named exception state. Each ERP operation group (order APIs, delivery
API) has its own circuit breaker, so a failing delivery API does not stop order intake.

Every call carries its timeout (``integration.timeouts``); each resilience mechanism can be
switched off (``integration.mechanisms``), which is how tests prove it necessary:

* retry, circuit breaker, client-side throttle: on the synchronous calls;
* idempotency keys: order creation is safe to retry after a lost response;
* store and forward: an order or write the target cannot take is held and sent later;
  without it, an order the ERP cannot take goes to manual re-keying and a write is given up;
* dead-letter queue, dedupe by message id, resequencing by ``sequence`` / ``occurred_at``:
  on the event path. A message that breaks its contract (malformed payload, unknown schema
  version) is dead-lettered, never a crash.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Any, ClassVar

from sim.engine import CallResult, Mailbox, RunEnvironment
from sim.integration.adapters import Redo, StatusReading
from sim.integration.blocks import (
    AtpCache,
    DurableWriter,
    EventContracts,
    ExceptionDesk,
    Reconciler,
    ScanRelay,
)
from sim.integration.canonical import (
    STATUS_RANK,
    Envelope,
    Order,
    OrderStatus,
    SubmissionReceipt,
    TrackingScan,
    ValidationResult,
)
from sim.integration.messaging import (
    CircuitBreaker,
    DeadLetter,
    LatestWins,
    MessageBus,
    Outcome,
    Retrier,
    RetryPolicy,
    TokenBucket,
)
from sim.integration.patterns.base import IntegrationPattern, PatternContext
from sim.integration.patterns.registry import register_pattern

__all__ = ["HybridPattern", "ORDER_EVENTS"]

ORDER_EVENTS = "erp.order-events"
"""The bus topic carrying the ERP's business events."""

_INVOICE_STATUS = {"InvoicePosted": "POSTED", "PaymentReceived": "PAID"}
_INVOICE_RANK = {"POSTED": 1, "PAID": 2}


def _always(_key: object, _version: float) -> bool:
    """Resequencing switched off: every version counts as newer."""
    return True


@register_pattern
class HybridPattern(IntegrationPattern):
    """Process APIs for the synchronous path, an event bus for status (DOMAIN.md, pattern 4)."""

    name: ClassVar[str] = "hybrid"
    TOPICS: ClassVar[tuple[str, ...]] = (ORDER_EVENTS,)
    SUBSCRIPTIONS: ClassVar[tuple[str, ...]] = ("crm-status-sync", "fulfilment-router")

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        settings = context.settings
        run = context.run
        mechanisms = self.mechanisms = settings.mechanisms
        self.timeouts = settings.timeouts
        steady = RetryPolicy(
            max_attempts=1_000_000,
            base_delay_s=settings.forward_retry_interval_s,
            multiplier=1.0,
            max_delay_s=settings.forward_retry_interval_s,
            jitter="none",
            budget_ratio=None,
        )
        retry = (
            settings.retry
            if mechanisms.retry
            else settings.retry.model_copy(update={"max_attempts": 1})
        )
        buckets = {
            system: TokenBucket(run, system, limit)
            for system, limit in sorted(settings.client_limits.items())
            if mechanisms.client_throttle
        }
        self.order_breaker = self._breaker(run, "erp.orders")
        self.delivery_breaker = self._breaker(run, "erp.deliveries")
        erp_bucket = buckets.get("erp")
        self.erp_order_retry = Retrier(
            run, "erp.orders", retry, self.order_breaker, bucket=erp_bucket
        )
        self.erp_delivery_retry = Retrier(
            run, "erp.deliveries", retry, self.delivery_breaker, bucket=erp_bucket
        )
        self.crm_retry = Retrier(run, "crm", retry, bucket=buckets.get("crm"))
        self.wms_retry = Retrier(run, "wms", retry, bucket=buckets.get("wms"))
        self.carrier_retry = Retrier(run, "carrier", retry, bucket=buckets.get("carrier"))
        self.forward_retry = Retrier(
            run, "forward", steady, self.order_breaker, wait_for_breaker=True, bucket=erp_bucket
        )
        self.park_retry = Retrier(run, "parked", steady)
        self.park_delivery_retry = Retrier(
            run,
            "parked.erp.deliveries",
            steady,
            self.delivery_breaker,
            wait_for_breaker=True,
            bucket=erp_bucket,
        )
        self._repairs = 0
        """Writes held for a later retry right now (store and forward)."""
        self.bus: MessageBus = MessageBus(
            run,
            settings.bus.model_copy(
                update={
                    "dead_letter_queue": mechanisms.dead_letter_queue,
                    "dedupe": mechanisms.dedupe,
                }
            ),
        )
        self.message_bus = self.bus
        self.contracts = EventContracts(
            run,
            self.record,
            self.bus,
            self.SUBSCRIPTIONS,
            settings.mappings,
            settings.replay_on_deploy,
        )
        self._crm_versions = LatestWins()
        self._crm_shipments = LatestWins()
        self._crm_invoices = LatestWins()
        self.forward_queue: Mailbox[Order] = Mailbox(run.sim)
        self.exception_desk = ExceptionDesk(
            run,
            self.record,
            context.desk if mechanisms.order_desk else None,
            context.erp,
            self.erp_order_retry,
            mechanisms.compensation,
            settings.timeouts.erp_create_s,
            self._tell_crm_cancelled,
            self._reconcile_order,
        )
        self.reconciler = Reconciler(
            run,
            self.record,
            context.erp,
            context.crm,
            context.carrier,
            (self.erp_order_retry, self.crm_retry, self.carrier_retry),
            settings.reconciliation,
            self._write_reading,
            self._accept_scan,
            self._scan_seen,
        )
        self.writer = DurableWriter(
            self.record, mechanisms.store_and_forward, self._raise_exception
        )
        self.atp_cache = AtpCache(
            run,
            self.record,
            context.erp,
            self.erp_order_retry,
            settings.atp_cache_refresh_s,
            settings.timeouts.erp_extract_s,
        )
        self.scans = ScanRelay(
            run,
            self.record,
            context.erp,
            self.writer,
            (self.erp_delivery_retry, self.park_delivery_retry),
            settings.scan_workers,
            settings.timeouts.erp_delivery_s,
            mechanisms.dedupe,
            mechanisms.resequencing,
            self.reconciler.shipment_delivered,
        )
        self._regions: dict[int, str] = {}

    def _breaker(self, run: RunEnvironment, name: str) -> CircuitBreaker | None:
        if not self.mechanisms.circuit_breaker:
            return None
        return CircuitBreaker(run, name, self.context.settings.circuit_breaker)

    def in_flight(self) -> tuple[int, int]:
        """(messages in flight on the bus, orders and writes held for a later retry)."""
        return self.bus.in_flight(), len(self.forward_queue) + self.writer.parked

    def start(self) -> None:
        """Subscribe to the bus and start the relays."""
        settings = self.context.settings
        self.bus.subscribe(
            ORDER_EVENTS, "crm-status-sync", self._sync_crm, settings.status_sync_partitions
        )
        self.bus.subscribe(
            ORDER_EVENTS,
            "fulfilment-router",
            self._route_fulfilment,
            settings.fulfilment_partitions,
            types=frozenset({"InventoryAllocated", "OrderHeld"}),
        )
        ctx = self.context
        ctx.crm.accepted_quotes.deliver_to(self._intake)
        ctx.erp.notifications.deliver_to(self._relay_erp_event)
        ctx.wms.ship_confirms.deliver_to(self._relay_ship_confirm)
        ctx.carrier.scans.deliver_to(self._relay_scan)
        for process in (self._forward_stored, self.atp_cache.refresh):
            self.sim.process(process())
        self.exception_desk.start()
        self.bus.on_dead_letter = self._dead_letter_to_desk
        for replay in settings.replays:
            self.sim.process(
                self.contracts.replay_at(replay.at_h, replay.subscriptions, replay.policy)
            )
        if self.mechanisms.reconciliation:
            self.reconciler.start()

    # ------------------------------------------------------------ synchronous path
    def _intake(self, message: Any) -> None:
        """Each accepted quote starts its own order process."""
        self.sim.process(self._take_order(message))

    def _take_order(self, message: Any) -> Generator[Any, Any, None]:
        ctx = self.context
        order: Order = ctx.crm.order_from(message)
        ref = order.order_ref
        self._regions[ref] = order.region
        self.record("order_received", order=ref, status=order.channel.value)
        timeouts = self.timeouts
        verdict = yield from self.erp_order_retry.run_call(
            partial(ctx.erp.validate, order, timeouts.erp_validate_s), ref
        )
        if isinstance(verdict, CallResult):
            # ERP unreachable: a provisional answer from the cached ATP; the order is not lost
            verdict = self.atp_cache.verdict(order)
        assert isinstance(verdict, ValidationResult)
        outcome = "ok" if verdict.ok else verdict.reasons[0]
        self.record(
            "validated", order=ref, status="provisional" if verdict.provisional else outcome
        )
        # the rep's view is written on its own, so a slow CRM never delays the ERP order
        self.sim.process(self._show_verdict(verdict))
        if "master_data_conflict" in verdict.reasons:
            self._raise_exception(ref, "master_data_conflict", self._submission(order, key=True))
            return
        key = order.correlation_id if self.mechanisms.idempotency_keys else None
        receipt = yield from self.erp_order_retry.run_call(
            partial(ctx.erp.submit, order, key, timeouts.erp_create_s), ref
        )
        if not isinstance(receipt, CallResult):
            self._submitted(receipt, order)
        elif self.mechanisms.store_and_forward:
            self.record("stored_for_forwarding", order=ref, status=receipt.status)
            self.forward_queue.put(order)
        else:
            # a person keys the order into the ERP by hand: no idempotency key
            self._raise_exception(ref, "manual_rekey", self._submission(order, key=False))

    def _show_verdict(self, verdict: ValidationResult) -> Generator[Any, Any, None]:
        crm = self.context.crm
        yield from self.writer.until_done(
            self.crm_retry,
            self.park_retry,
            partial(crm.show_validation, verdict, self.timeouts.crm_write_s),
            verdict.order_ref,
            "crm_validation",
        )

    def _forward_stored(self) -> Generator[Any, Any, None]:
        ctx = self.context
        while True:
            order: Order = yield from self.forward_queue.take()

            def submit(order: Order = order) -> Generator[Any, Any, Any]:
                key = order.correlation_id if self.mechanisms.idempotency_keys else None
                return ctx.erp.submit(order, key, self.timeouts.erp_create_s)

            receipt = yield from self.forward_retry.run_call(submit, order.order_ref)
            if isinstance(receipt, CallResult):
                self.record("forwarding_failed", order=order.order_ref, status=receipt.status)
                self._raise_exception(
                    order.order_ref, "submission_failed", self._submission(order, key=True)
                )
                continue
            self.record("forwarded", order=order.order_ref)
            self._submitted(receipt, order)

    def _submitted(self, receipt: SubmissionReceipt, order: Order) -> None:
        """Note a created order, or raise the rejection with a way to submit it again."""
        if receipt.accepted:
            self.record(
                "order_submitted",
                order=receipt.order_ref,
                status="replayed" if receipt.replayed else "new",
            )
        else:
            reason = receipt.reason or "rejected"
            self._raise_exception(receipt.order_ref, reason, self._submission(order, key=True))

    def _raise_exception(self, order_ref: int, reason: str, redo: Redo | None = None) -> None:
        self.exception_desk.raise_exception(order_ref, reason, redo)

    @property
    def exceptions(self) -> dict[int, str]:
        """Orders in a named exception state now, with their reason."""
        return self.exception_desk.open

    def _submission(self, order: Order, key: bool) -> Redo:
        """The ERP submission of ``order`` as work a person can have done again."""

        def submit() -> Generator[Any, Any, Any]:
            receipt = yield from self.erp_order_retry.run_call(
                partial(
                    self.context.erp.submit,
                    order,
                    order.correlation_id if key else None,
                    self.timeouts.erp_create_s,
                ),
                order.order_ref,
            )
            if isinstance(receipt, SubmissionReceipt):
                self._submitted(receipt, order)
            return receipt

        return submit

    def _dead_letter_to_desk(self, letter: DeadLetter) -> None:
        """A dead letter needs a person's decision.

        When the producer can re-send what it meant (a malformed payload), the person has
        it re-sent; otherwise (an unknown schema) the order is read back from the ERP and
        the letter waits for a mapping and a replay.
        """
        if letter.source is None:
            self._raise_exception(letter.order, "dead_letter")
            return

        def resend() -> Generator[Any, Any, bool]:
            yield self.sim.timeout(0)
            return self.bus.replay_letter(letter, from_source=True)

        self._raise_exception(letter.order, "dead_letter", resend)

    def _tell_crm_cancelled(self, order_ref: int, reason: str) -> Generator[Any, Any, Any]:
        """Show an order as cancelled in CRM (for orders the ERP never had, or kept)."""
        crm = self.context.crm
        answer = yield from self.writer.until_done(
            self.crm_retry,
            self.park_retry,
            partial(
                crm.update_status,
                order_ref,
                status=OrderStatus.CANCELLED,
                source_time=self.sim.now,
                timeout=self.timeouts.crm_write_s,
            ),
            order_ref,
            "crm_status",
        )
        return answer

    def _write_reading(self, reading: StatusReading) -> Generator[Any, Any, bool]:
        """A reconciliation repair, sent through the order's partition like any event.

        The repair then takes its turn behind the order's other updates and passes the
        same resequencing, so it can never overwrite a newer status that was in flight.
        """
        self._repairs += 1
        envelope = Envelope(
            message_id=f"reconciliation-{self._repairs:09d}",
            type="StatusReconciled",
            correlation_id=f"O{reading.order_ref:08d}",
            source="reconciliation",
            occurred_at=reading.changed_at,
            sent_at=self.sim.now,
            sequence=reading.version,
            payload={
                "order_ref": reading.order_ref,
                "status": reading.status,
                "erp_order_number": reading.erp_order_number,
            },
        )
        self.bus.publish(ORDER_EVENTS, envelope, reading.order_ref)
        yield self.sim.timeout(0)
        return True

    def _accept_scan(self, scan: TrackingScan) -> None:
        """A scan the tracking poll recovered, to the scan relay."""
        self.scans.accept(scan)

    def _scan_seen(self, event_id: str) -> bool:
        return event_id in self.scans.seen

    def _reconcile_order(self, order_ref: int) -> Generator[Any, Any, bool]:
        landed: bool = yield from self.reconciler.reconcile_order(order_ref)
        return landed

    # ------------------------------------------------------------ asynchronous path
    def _relay_erp_event(self, note: Any) -> None:
        """The outbox relay: each ERP notification is published as it is committed."""
        envelope = self.context.erp.envelope(note, self.sim.now)
        self.bus.publish(ORDER_EVENTS, envelope, note.customer_reference)

    def _sync_crm(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        """Write the ERP's news to CRM; only newer order, shipment and invoice states."""
        envelope = self.contracts.mapped(message)
        if isinstance(envelope, Outcome):
            return envelope
        payload = envelope.payload
        ref = int(payload["order_ref"])
        newer = self._crm_versions.is_newer if self.mechanisms.resequencing else _always
        status: OrderStatus | None = None
        if newer(ref, envelope.sequence):
            status = OrderStatus(payload["status"])
        else:
            self.record("stale_discarded", order=ref, subject=envelope.sequence)
        erp = self.context.erp
        shipment = None
        if envelope.type == "ShipmentStatusChanged":
            shipment_status = OrderStatus(payload["delivery_status"])
            key = (ref, str(payload["delivery"]))
            if self._crm_shipments.is_newer(key, STATUS_RANK[shipment_status]):
                shipment = (erp.delivery_number(payload["delivery"]), shipment_status)
        invoice = None
        invoice_status = _INVOICE_STATUS.get(envelope.type)
        if invoice_status is not None:
            key = (ref, str(payload["delivery"]))
            if self._crm_invoices.is_newer(key, _INVOICE_RANK[invoice_status]):
                invoice = (erp.delivery_number(payload["delivery"]), invoice_status)
        if status is None and shipment is None and invoice is None:
            return Outcome.STALE
        crm = self.context.crm
        answer = yield from self.writer.until_done(
            self.crm_retry,
            self.park_retry,
            partial(
                crm.update_status,
                ref,
                status=status,
                source_time=envelope.occurred_at,
                sequence=envelope.sequence if status is not None else None,
                erp_order_number=payload.get("erp_order_number"),
                shipment=shipment,
                invoice=invoice,
                timeout=self.timeouts.crm_write_s,
            ),
            ref,
            "crm_status",
        )
        if isinstance(answer, CallResult) and not answer.ok:
            return Outcome.FAILED
        # remember what CRM now shows only once the write has landed
        if status is not None:
            self._crm_versions.accept(ref, envelope.sequence)
        if shipment is not None:
            self._crm_shipments.accept((ref, str(payload["delivery"])), STATUS_RANK[shipment[1]])
        if invoice is not None:
            self._crm_invoices.accept((ref, str(payload["delivery"])), _INVOICE_RANK[invoice[1]])
        return Outcome.APPLIED

    def _route_fulfilment(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        """Allocated deliveries go to the warehouse; non-credit holds to the exception queue."""
        envelope = self.contracts.mapped(message)
        if isinstance(envelope, Outcome):
            return envelope
        ctx = self.context
        payload = envelope.payload
        ref = int(payload["order_ref"])
        if envelope.type == "OrderHeld":
            self._raise_exception(ref, str(payload["reason"]))
            return Outcome.APPLIED
        delivery = str(payload["delivery"])
        number = ctx.erp.delivery_number(delivery)
        lines = tuple((int(n), str(m), int(q)) for n, m, q in payload["items"])
        released = yield from self.writer.until_done(
            self.wms_retry,
            self.park_retry,
            partial(
                ctx.wms.release,
                delivery,
                number,
                ref,
                str(payload["plant"]),
                lines,
                self.timeouts.wms_release_s,
            ),
            ref,
            "pick_release",
        )
        if isinstance(released, CallResult) and not released.ok:
            return Outcome.FAILED
        confirmed = yield from self.writer.until_done(
            self.erp_delivery_retry,
            self.park_delivery_retry,
            partial(ctx.erp.confirm_pick_release, delivery, self.timeouts.erp_delivery_s),
            ref,
            "pick_confirm",
        )
        if isinstance(confirmed, CallResult) and not confirmed.ok:
            return Outcome.FAILED
        return Outcome.APPLIED

    def _relay_ship_confirm(self, confirm: Any) -> None:
        """Each ship confirmation starts its own shipping process."""
        self.sim.process(self._ship(confirm))

    def _ship(self, confirm: Any) -> Generator[Any, Any, None]:
        ctx = self.context
        ref = confirm.order_ref
        shipment = ctx.wms.shipment_from(confirm, self._regions[ref])
        tracking = yield from self.writer.until_done(
            self.carrier_retry,
            self.park_retry,
            partial(
                ctx.carrier.tender,
                shipment,
                confirm.delivery_number,
                self.timeouts.carrier_tender_s,
            ),
            ref,
            "carrier_tender",
        )
        if isinstance(tracking, CallResult):
            return
        self.reconciler.shipment_tendered(shipment.shipment_id, str(tracking), ref)
        yield from self.writer.until_done(
            self.erp_delivery_retry,
            self.park_delivery_retry,
            partial(
                ctx.erp.post_goods_issue,
                shipment.shipment_id,
                str(tracking),
                self.timeouts.erp_delivery_s,
            ),
            ref,
            "goods_issue",
        )

    def _relay_scan(self, raw: Any) -> None:
        """A scan from the carrier's feed, to the scan relay."""
        self.scans.accept(self.context.carrier.scan_from(raw))
