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
the exception queue, a named exception state. Returns (``returns.enabled``): the case's
return order is created by a synchronous call with the case as idempotency key (stored and
forwarded if the ERP cannot take it); the case learns the rest from the ERP's returns events
(``erp.return-events``). Each ERP operation group (order APIs, delivery
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
from sim.integration.blocks import AtpCache, Reconciler
from sim.integration.canonical import Envelope, Order, TrackingScan, ValidationResult
from sim.integration.patterns.base import PatternContext
from sim.integration.patterns.event_driven import ORDER_EVENTS, EventDrivenPattern
from sim.integration.patterns.registry import register_pattern

__all__ = ["HybridPattern", "ORDER_EVENTS"]


@register_pattern
class HybridPattern(EventDrivenPattern):
    """Process APIs for the synchronous path, an event bus for status (DOMAIN.md, pattern 4)."""

    name: ClassVar[str] = "hybrid"
    TOPICS: ClassVar[tuple[str, ...]] = (ORDER_EVENTS,)

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        settings, run, callers = self.settings, context.run, self.callers
        self._repairs = 0
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

    def start(self) -> None:
        """Subscribe to the bus and start the relays."""
        self.subscribe_order_events()
        self.subscribe_master_data()
        self.context.crm.deliver_accepted_orders(self._intake)
        self.start_common()
        self.sim.process(self.atp_cache.refresh())
        self.start_dead_letter_handling()
        if self.mechanisms.reconciliation:
            self.reconciler.start()

    # ------------------------------------------------------------ synchronous path
    def _intake(self, order: Order) -> None:
        """Each accepted order starts its own order process."""
        self.sim.process(self._take_order(order))

    def _take_order(self, order: Order) -> Generator[Any, Any, None]:
        ctx = self.context
        self.receive(order)
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

    def _scan_seen(self, event_id: str, order_ref: int) -> bool:
        return self.scans.seen.seen(event_id, order_ref)

    def _reconcile_order(self, order_ref: int) -> Generator[Any, Any, bool]:
        return self.reconciler.reconcile_order(order_ref)
