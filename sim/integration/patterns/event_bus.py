"""Pattern 3, enterprise middleware and an event bus: everything asynchronous.

Order intake::

    CRM outbox -> topic crm.order-requests (partitioned by order)
        -> order-mapper (middleware): map, then ERP create order with the message's
           correlation id as idempotency key; an ERP it cannot reach is retried, then the
           request is parked and the mapper's partition waits behind it
    ERP outbox -> topic erp.order-events -> crm-status-sync, fulfilment-router

Validation is asynchronous: the rep gets **no answer at acceptance**. With
``integration.event_bus.promise_from_cache`` the quote shows a provisional promise from
cached ATP, and the ERP's verdict (a rejection, a hold) arrives later as an event or an
exception: a late validation exception. There is no synchronous path to fall back from,
so there is no circuit breaker and no reconciliation job: a lost event is repaired only by
dead-letter replay or a person.

Returns go the same way: the CRM publishes each case to ``crm.return-requests``, the
``return-mapper`` creates the ERP return order (the case as idempotency key) and the case
learns everything but a refusal from the ERP's returns events.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Any, ClassVar

from sim.integration.adapters import ReturnsAdapter
from sim.integration.blocks import AtpCache, ReturnsFlow
from sim.integration.canonical import Envelope, Order, Return, SubmissionReceipt
from sim.integration.messaging import Outcome
from sim.integration.patterns.base import PatternContext
from sim.integration.patterns.event_driven import ORDER_EVENTS, EventDrivenPattern
from sim.integration.patterns.registry import register_pattern

__all__ = ["EventBusPattern", "ORDER_REQUESTS", "RETURN_REQUESTS"]

ORDER_REQUESTS = "crm.order-requests"
"""The topic the CRM publishes accepted orders to."""

RETURN_REQUESTS = "crm.return-requests"
"""The topic the CRM publishes return cases to (in a world with returns)."""


@register_pattern
class EventBusPattern(EventDrivenPattern):
    """Middleware and an event bus (DOMAIN.md, pattern 3)."""

    name: ClassVar[str] = "event_bus"
    TOPICS: ClassVar[tuple[str, ...]] = (ORDER_REQUESTS, ORDER_EVENTS)
    SUBSCRIPTIONS: ClassVar[tuple[str, ...]] = (
        "order-mapper",
        "crm-status-sync",
        "fulfilment-router",
    )
    MECHANISMS: ClassVar[frozenset[str]] = frozenset(
        {
            "retry",
            "client_throttle",
            "idempotency_keys",
            "store_and_forward",
            "dead_letter_queue",
            "resequencing",
            "dedupe",
            "compensation",
            "order_desk",
            "erp_order_intake",
        }
    )

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        self.atp_cache = AtpCache(
            context.run,
            self.record,
            context.erp,
            self.callers.erp_orders,
            self.settings.atp_cache_refresh_s,
            self.timeouts.erp_extract_s,
        )
        self.build_fulfilment()
        self._requests = 0

    def start(self) -> None:
        """Subscribe the mapper and the ERP-event consumers; relay the CRM outbox."""
        self.bus.subscribe(
            ORDER_REQUESTS,
            "order-mapper",
            self._map_and_submit,
            self.settings.event_bus.mapper_partitions,
        )
        self.subscribe_order_events()
        self.subscribe_master_data()
        self.context.crm.deliver_accepted_orders(self._publish_request)
        self.start_common()
        if self.settings.event_bus.promise_from_cache:
            self.sim.process(self.atp_cache.refresh())
        self.start_dead_letter_handling()

    def take_cases(self, flow: ReturnsFlow, adapter: ReturnsAdapter) -> None:
        """The CRM outbox publishes each case; ``return-mapper`` creates the return order."""
        self.bus.subscribe(
            RETURN_REQUESTS,
            "return-mapper",
            self._map_return,
            self.settings.event_bus.mapper_partitions,
        )
        adapter.deliver_cases(self._publish_case)

    def _publish_case(self, ret: Return) -> None:
        self._requests += 1
        envelope = Envelope(
            message_id=f"crm-{self._requests:09d}",
            type="ReturnRequested",
            correlation_id=ret.correlation_id,
            source="crm",
            occurred_at=self.sim.now,
            sent_at=self.sim.now,
            sequence=0,
            payload={"return": ret},
        )
        self.bus.publish(RETURN_REQUESTS, envelope, ret.order_ref)

    def _map_return(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        ret = message.payload.get("return")
        if not isinstance(ret, Return) or self.returns is None:
            return Outcome.POISON
        outcome: Outcome = yield from self.returns.authorise(ret, False)
        return outcome

    def _publish_request(self, order: Order) -> None:
        """The CRM outbox relay: an accepted order becomes an order request on the bus."""
        self.receive(order)
        self._requests += 1
        envelope = Envelope(
            message_id=f"crm-{self._requests:09d}",
            type="OrderRequested",
            correlation_id=order.correlation_id,
            source="crm",
            occurred_at=self.sim.now,
            sent_at=self.sim.now,
            sequence=0,
            payload={"order": order},
        )
        self.bus.publish(ORDER_REQUESTS, envelope, order.order_ref)
        if self.settings.event_bus.promise_from_cache:
            # the rep's promise comes from cached ATP, not from the ERP
            self.sim.process(self.show_verdict(self.atp_cache.verdict(order)))

    def _map_and_submit(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        """The middleware mapper: create the ERP order, idempotently, until it lands."""
        order = message.payload.get("order")
        if not isinstance(order, Order):
            return Outcome.POISON
        submission = self.submission
        receipt = yield from self.writer.until_done(
            self.callers.erp_orders,
            self.callers.forward,
            partial(
                self.context.erp.submit, order, submission.key(order), self.timeouts.erp_create_s
            ),
            order.order_ref,
            "order_submission",
        )
        if not isinstance(receipt, SubmissionReceipt):
            return Outcome.FAILED
        self.record("validated", order=order.order_ref, status=receipt.reason or "ok")
        submission.submitted(receipt, order)
        return Outcome.APPLIED
