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

import zlib
from collections.abc import Callable, Generator
from functools import partial
from typing import Any, ClassVar

from sim.engine import CallResult, Mailbox, RunEnvironment
from sim.integration.adapters import Redo, StatusReading
from sim.integration.blocks import ExceptionDesk, Reconciler
from sim.integration.canonical import (
    STATUS_RANK,
    Envelope,
    Order,
    OrderStatus,
    ScanCode,
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
    ReplayPolicy,
    Retrier,
    RetryPolicy,
    SeenIds,
    TokenBucket,
)
from sim.integration.patterns.base import IntegrationPattern, PatternContext, ScheduledReplay
from sim.integration.patterns.registry import register_pattern

__all__ = ["HybridPattern", "ORDER_EVENTS"]

ORDER_EVENTS = "erp.order-events"
"""The bus topic carrying the ERP's business events."""

_INVOICE_STATUS = {"InvoicePosted": "POSTED", "PaymentReceived": "PAID"}
_INVOICE_RANK = {"POSTED": 1, "PAID": 2}


def _from_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """The ERP's 2.0 event contract mapped to the fields the consumers read (KeyError: bad)."""
    mapped = {
        "order_ref": payload["CustomerReference"],
        "erp_order_number": payload["SalesOrder"],
        "status": payload["OverallStatus"],
    }
    mapped.update(payload["Detail"])
    return mapped


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
        self.parked = 0
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
        self._mappings: set[str] = {v for v, hour in settings.mappings.items() if hour <= 0}
        """Event contract versions the consumers can map now."""
        self._v1 = "1.0" in self._mappings
        self._crm_versions = LatestWins()
        self._crm_shipments = LatestWins()
        self._crm_invoices = LatestWins()
        self._scan_ids = SeenIds()
        self._scan_times = LatestWins()
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
            self._scan_ids.__contains__,
        )
        self._regions: dict[int, str] = {}
        self.atp_cache: dict[str, dict[str, int]] = {}
        """Per plant, the last ATP extract: the fallback when the ERP cannot validate."""
        self._scan_work: list[Mailbox[TrackingScan]] = [
            Mailbox(run.sim) for _ in range(settings.scan_workers)
        ]

    def _breaker(self, run: RunEnvironment, name: str) -> CircuitBreaker | None:
        if not self.mechanisms.circuit_breaker:
            return None
        return CircuitBreaker(run, name, self.context.settings.circuit_breaker)

    def in_flight(self) -> tuple[int, int]:
        """(messages in flight on the bus, orders and writes held for a later retry)."""
        return self.bus.in_flight(), len(self.forward_queue) + self.parked

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
        for process in (self._forward_stored, self._refresh_atp_cache):
            self.sim.process(process())
        self.exception_desk.start()
        self.bus.on_dead_letter = self._dead_letter_to_desk
        for replay in settings.replays:
            self.sim.process(self._scheduled_replay(replay))
        for version, hour in sorted(settings.mappings.items()):
            if hour > 0:
                self.sim.process(self._deploy_mapping(version, hour * 3600.0))
        if self.mechanisms.reconciliation:
            self.reconciler.start()
        for mailbox in self._scan_work:
            self.sim.process(self._apply_scans(mailbox))

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
            verdict = self._validate_from_cache(order)
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

    def _validate_from_cache(self, order: Order) -> ValidationResult:
        """Provisional verdict: every line within the cached ATP of the serving plant."""
        cached = self.atp_cache.get(self.context.erp.plant_for(order.region), {})
        short = any(cached.get(line.sku, 0) < line.quantity for line in order.lines)
        return ValidationResult(
            order_ref=order.order_ref,
            ok=not short,
            reasons=("inventory_shortfall",) if short else (),
            provisional=True,
        )

    def _refresh_atp_cache(self) -> Generator[Any, Any, None]:
        """Pull the ATP delta per plant at a fixed cadence into the cache; keep it on failure."""
        erp = self.context.erp
        interval = self.context.settings.atp_cache_refresh_s
        while True:
            for plant in erp.plants():

                def extract(plant: str = plant) -> Generator[Any, Any, Any]:
                    return erp.atp_changes(plant, self.timeouts.erp_extract_s)

                changes = yield from self.erp_order_retry.run_call(extract)
                if isinstance(changes, CallResult):
                    self.record("atp_cache_stale", status=plant)
                else:
                    self.atp_cache.setdefault(plant, {}).update(changes)
                    self.record("atp_cache_refreshed", status=plant, value=float(len(changes)))
            yield self.sim.timeout(interval)

    def _show_verdict(self, verdict: ValidationResult) -> Generator[Any, Any, None]:
        crm = self.context.crm
        yield from self._until_done(
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

    def _until_done(
        self,
        retrier: Retrier,
        parking: Retrier,
        operation: Callable[[], Generator[Any, Any, Any]],
        ref: int,
        what: str,
    ) -> Generator[Any, Any, Any]:
        """Run a write with its retry policy; if that gives up, park it and keep retrying.

        Parking is the pattern's store and forward for every asynchronous write: the work
        is held (``integration.parked``) and retried every ``forward_retry_interval_s``
        (waiting out an open breaker) until it lands (``integration.unparked``), so an
        outage delays work but loses none.
        """
        answer = yield from retrier.run_call(operation, ref)
        if not isinstance(answer, CallResult) or answer.ok:
            return answer
        if not self.mechanisms.store_and_forward:
            self._raise_exception(ref, f"{what}_failed", partial(retrier.run_call, operation, ref))
            return answer
        self.record("parked", order=ref, status=what)
        self.parked += 1
        answer = yield from parking.run_call(operation, ref)
        self.parked -= 1
        if isinstance(answer, CallResult) and not answer.ok:
            self._raise_exception(ref, f"{what}_failed", partial(retrier.run_call, operation, ref))
            return answer
        self.record("unparked", order=ref, status=what)
        return answer

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

    def _scheduled_replay(self, replay: ScheduledReplay) -> Generator[Any, Any, None]:
        """Replay dead letters at the hour an operator set, under the replay policy."""
        yield self.sim.timeout(replay.at_h * 3600.0)
        for name in replay.subscriptions or self.SUBSCRIPTIONS:
            if name in self.SUBSCRIPTIONS:
                replayed = yield from self.bus.replay(name, replay.policy)
                self.record("dead_letters_replayed", status=name, value=float(replayed))
            else:
                self.record("replay_not_applicable", status=name)

    def _deploy_mapping(self, version: str, at: float) -> Generator[Any, Any, None]:
        """A new contract mapping goes live; dead letters it can now read are replayed."""
        yield self.sim.timeout(at)
        self._mappings.add(version)
        self._v1 = "1.0" in self._mappings
        self.record("mapping_deployed", status=version)
        if self.context.settings.replay_on_deploy:
            policy = ReplayPolicy(reasons=(Outcome.UNKNOWN_SCHEMA.value,))
            for name in self.SUBSCRIPTIONS:
                replayed = yield from self.bus.replay(name, policy)
                self.record("dead_letters_replayed", status=name, value=float(replayed))

    def _mapped(self, envelope: Envelope) -> Envelope | Outcome:
        """The event in the fields the consumers read, or why it cannot be mapped."""
        payload = envelope.payload
        version = envelope.schema_version
        if version == "1.0" and self._v1 and "order_ref" in payload and "status" in payload:
            return envelope  # the common case: a well-formed 1.0 event, read as it is
        if version not in self._mappings:
            return Outcome.UNKNOWN_SCHEMA
        if version != "1.0":
            try:
                payload = _from_v2(payload)
            except (KeyError, TypeError, ValueError):
                return Outcome.POISON
            envelope = envelope.model_copy(update={"payload": payload})
        if "order_ref" not in payload or "status" not in payload:
            return Outcome.POISON
        return envelope

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
        answer = yield from self._until_done(
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
        envelope = self._mapped(message)
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
        answer = yield from self._until_done(
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
        envelope = self._mapped(message)
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
        released = yield from self._until_done(
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
        confirmed = yield from self._until_done(
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
        tracking = yield from self._until_done(
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
        yield from self._until_done(
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
        """A scan from the carrier's feed."""
        self._accept_scan(self.context.carrier.scan_from(raw))

    def _accept_scan(self, scan: TrackingScan) -> None:
        """Dedupe on the carrier's event id, keep only newer ``occurred_at``, dispatch."""
        mechanisms = self.mechanisms
        if mechanisms.dedupe and not self._scan_ids.first_time(scan.carrier_event_id):
            self.record("duplicate_suppressed", order=scan.order_ref, status=scan.code.value)
            return
        if mechanisms.resequencing and not self._scan_times.accept(
            scan.shipment_id, scan.occurred_at
        ):
            self.record("stale_discarded", order=scan.order_ref, status=scan.code.value)
            return
        if scan.code is ScanCode.DELIVERED:
            self.reconciler.shipment_delivered(scan.shipment_id)
        # one worker per shipment key: a shipment's scans reach the ERP in order
        workers = self._scan_work
        workers[zlib.crc32(scan.shipment_id.encode()) % len(workers)].put(scan)

    def _apply_scans(self, mailbox: Mailbox[TrackingScan]) -> Generator[Any, Any, None]:
        """One of the workers passing accepted scans to the ERP, in arrival order."""
        erp = self.context.erp
        while True:
            scan: TrackingScan = yield from mailbox.take()

            def apply(scan: TrackingScan = scan) -> Generator[Any, Any, Any]:
                return erp.record_tracking(scan.shipment_id, scan, self.timeouts.erp_delivery_s)

            yield from self._until_done(
                self.erp_delivery_retry,
                self.park_delivery_retry,
                apply,
                scan.order_ref,
                "tracking",
            )
