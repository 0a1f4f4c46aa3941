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

from sim.engine import CallResult
from sim.integration.adapters import StatusReading
from sim.integration.blocks import AtpCache, EventContracts, Reconciler, news_from_event
from sim.integration.canonical import Envelope, TrackingScan, ValidationResult
from sim.integration.messaging import DeadLetter, MessageBus, Outcome
from sim.integration.patterns.base import PatternContext
from sim.integration.patterns.composed import ComposedPattern
from sim.integration.patterns.registry import register_pattern

__all__ = ["HybridPattern", "ORDER_EVENTS"]

ORDER_EVENTS = "erp.order-events"
"""The bus topic carrying the ERP's business events."""


@register_pattern
class HybridPattern(ComposedPattern):
    """Process APIs for the synchronous path, an event bus for status (DOMAIN.md, pattern 4)."""

    name: ClassVar[str] = "hybrid"
    TOPICS: ClassVar[tuple[str, ...]] = (ORDER_EVENTS,)
    SUBSCRIPTIONS: ClassVar[tuple[str, ...]] = ("crm-status-sync", "fulfilment-router")

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        settings, run, callers = self.settings, context.run, self.callers
        self._repairs = 0
        self.bus: MessageBus = MessageBus(
            run,
            settings.bus.model_copy(
                update={
                    "dead_letter_queue": self.mechanisms.dead_letter_queue,
                    "dedupe": self.mechanisms.dedupe,
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
        self.reconciler = Reconciler(
            run,
            self.record,
            context.erp,
            context.crm,
            context.carrier,
            (callers.erp_orders, callers.crm, callers.carrier),
            settings.reconciliation,
            self._write_reading,
            self._accept_scan,
            self._scan_seen,
        )
        self.atp_cache = AtpCache(
            run,
            self.record,
            context.erp,
            callers.erp_orders,
            settings.atp_cache_refresh_s,
            self.timeouts.erp_extract_s,
        )
        self.build_fulfilment(self.reconciler.shipment_tendered, self.reconciler.shipment_delivered)

    def in_flight(self) -> tuple[int, int]:
        """(messages in flight on the bus, orders and writes held for a later retry)."""
        return self.bus.in_flight(), super().in_flight()[1]

    def start(self) -> None:
        """Subscribe to the bus and start the relays."""
        settings = self.settings
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
        self.start_common()
        self.sim.process(self.atp_cache.refresh())
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
        order = self.receive(message)
        ref = order.order_ref
        verdict = yield from self.callers.erp_orders.run_call(
            partial(ctx.erp.validate, order, self.timeouts.erp_validate_s), ref
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
        self.sim.process(self.show_verdict(verdict))
        submission = self.submission
        if "master_data_conflict" in verdict.reasons:
            self.exception_desk.raise_exception(
                ref, "master_data_conflict", submission.redo(order, key=True)
            )
            return
        receipt = yield from submission.submit(order, submission.key(order))
        if not isinstance(receipt, CallResult):
            submission.submitted(receipt, order)
        elif self.mechanisms.store_and_forward:
            submission.hold(order, receipt.status)
        else:
            # a person keys the order into the ERP by hand: no idempotency key
            self.exception_desk.raise_exception(
                ref, "manual_rekey", submission.redo(order, key=False)
            )

    def _dead_letter_to_desk(self, letter: DeadLetter) -> None:
        """A dead letter needs a person's decision.

        When the producer can re-send what it meant (a malformed payload), the person has
        it re-sent; otherwise (an unknown schema) the order is read back from the ERP and
        the letter waits for a mapping and a replay.
        """
        if letter.source is None:
            self.exception_desk.raise_exception(letter.order, "dead_letter")
            return

        def resend() -> Generator[Any, Any, bool]:
            yield self.sim.timeout(0)
            return self.bus.replay_letter(letter, from_source=True)

        self.exception_desk.raise_exception(letter.order, "dead_letter", resend)

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
        outcome: Outcome = yield from self.status_sync.apply(news_from_event(envelope))
        return outcome

    def _route_fulfilment(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        """Allocated deliveries go to the warehouse; non-credit holds to the exception queue."""
        envelope = self.contracts.mapped(message)
        if isinstance(envelope, Outcome):
            return envelope
        payload = envelope.payload
        ref = int(payload["order_ref"])
        if envelope.type == "OrderHeld":
            self.exception_desk.raise_exception(ref, str(payload["reason"]))
            return Outcome.APPLIED
        lines = tuple((int(n), str(m), int(q)) for n, m, q in payload["items"])
        released = yield from self.fulfilment.release(
            ref, str(payload["delivery"]), str(payload["plant"]), lines
        )
        return Outcome.APPLIED if released else Outcome.FAILED
