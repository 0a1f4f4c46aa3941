"""What the event-driven patterns share: ERP business events on a durable topic.

The ERP's outbox relay publishes each committed change to ``erp.order-events``,
partitioned by order. Two idempotent subscriptions consume it:

* ``crm-status-sync``: maps the event's contract version, then the CRM status sync
  (resequencing by ``sequence``, only-forward shipments and invoices);
* ``fulfilment-router``: allocated deliveries to the warehouse, non-credit holds to the
  exception desk.

With ``systems.erp.event_payload: keys`` the events are notifications (keys only): each
subscriber reads the order back from the ERP by key (``read_order``, retried and parked
until it lands) and acts on what it read: the status sync writes the order's status, its
shipments and its invoices; the router finds the allocated delivery's items and plant, or
the hold's reason.

Orders that began in the ERP (EDI orders) are announced by its ``OrderCreated`` event,
which carries the order's header and items: the status sync creates its CRM order record
from it before writing its status (the ERP order intake). A notification (keys only), or
any other event of an order the CRM lacks, has the order read back first.

A copy that fails is dead-lettered with its reason (never a crash), and a dead letter
becomes a decision for the order desk; scheduled replays and a mapping's deployment put
letters back. Hybrid and event bus both build on this; they differ in how orders get in.

Master data travels on two more topics: the CRM's new accounts (``crm.account-events``,
consumed by ``partner-replicator``) and the ERP's list price change notifications
(``erp.price-events``, keys only, consumed by ``price-book-sync``, which reads the price
back); each consumer retries until its work lands.

In a world with returns, the ERP's returns events travel on ``erp.return-events`` to the
``return-router`` (authorisations to the warehouse) and ``crm-case-sync`` (each return's
news to its CRM case, only forward with resequencing).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, ClassVar

from sim.integration.adapters import ReturnsAdapter
from sim.integration.adapters.erp import (
    KEYS_ONLY,
    ErpEvent,
    OrderReading,
    created_order,
    keys_only,
)
from sim.integration.blocks import (
    EventContracts,
    ReturnsFlow,
    news_from_event,
    news_from_reading,
)
from sim.integration.canonical import Customer, Envelope, ReturnNews
from sim.integration.messaging import DeadLetter, MessageBus, Outcome
from sim.integration.patterns.base import PatternContext
from sim.integration.patterns.composed import ComposedPattern

__all__ = ["ACCOUNT_EVENTS", "EventDrivenPattern", "ORDER_EVENTS", "PRICE_EVENTS", "RETURN_EVENTS"]

ORDER_EVENTS = "erp.order-events"
"""The bus topic carrying the ERP's business events."""

ACCOUNT_EVENTS = "crm.account-events"
"""The bus topic carrying the CRM's new accounts (consumed by ``partner-replicator``)."""

PRICE_EVENTS = "erp.price-events"
"""The bus topic carrying the ERP's list price change notifications (keys only)."""
RETURN_EVENTS = "erp.return-events"
"""The bus topic carrying the ERP's returns events (in a world with returns)."""


class EventDrivenPattern(ComposedPattern):
    """A composed pattern whose status and fulfilment news travel as ERP events on a bus."""

    SUBSCRIPTIONS: ClassVar[tuple[str, ...]] = ("crm-status-sync", "fulfilment-router")
    DURABLE_MASTER_DATA: ClassVar[bool] = True

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        settings = self.settings
        self.bus: MessageBus = MessageBus(
            context.run,
            settings.bus.model_copy(
                update={
                    "dead_letter_queue": self.mechanisms.dead_letter_queue,
                    "dedupe": self.mechanisms.dedupe,
                }
            ),
        )
        self.message_bus = self.bus
        self._desk_fixes = 0
        self._master_messages = 0
        self.contracts = EventContracts(
            context.run,
            self.record,
            self.bus,
            self.SUBSCRIPTIONS,
            settings.mappings,
            settings.replay_on_deploy,
        )

    def in_flight(self) -> tuple[int, int]:
        """(messages in flight on the bus, orders and writes held for a later retry)."""
        return self.bus.in_flight(), super().in_flight()[1]

    def forget_order(self, order_ref: int, deliveries: tuple[str, ...]) -> None:
        """Forget an archived order, and the message ids its consumers applied."""
        super().forget_order(order_ref, deliveries)
        self.bus.forget_order(order_ref)

    def subscribe_order_events(self) -> None:
        """Subscribe the status sync and the fulfilment router; relay the ERP's outbox."""
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
        self.context.erp.deliver_events(self._relay_erp_event)

    def subscribe_master_data(self) -> None:
        """New accounts and price changes on topics of their own, each with a consumer.

        ``partner-replicator`` creates the business partner and writes its number back;
        ``price-book-sync`` reads the changed price back and writes the CRM price book.
        Each retries until its work lands before it acknowledges (head-of-line blocking
        on its partition while the ERP or the CRM cannot take it).
        """
        partitions = self.settings.master_data.partitions
        self.bus.subscribe(
            ACCOUNT_EVENTS, "partner-replicator", self._replicate_partner, partitions
        )
        self.bus.subscribe(PRICE_EVENTS, "price-book-sync", self._sync_price, partitions)
        self.master_data.listen_accounts(self._publish_account)
        self.master_data.listen_prices(self._publish_price)

    def _master_envelope(self, kind: str, key: str, payload: dict[str, Any]) -> Envelope:
        self._master_messages += 1
        now = self.sim.now
        return Envelope(
            message_id=f"md-{self._master_messages:09d}",
            type=kind,
            correlation_id=key,
            source="crm" if kind == "AccountCreated" else "erp",
            occurred_at=now,
            sent_at=now,
            sequence=0,
            payload=payload,
        )

    def _publish_account(self, customer: Customer) -> None:
        envelope = self._master_envelope(
            "AccountCreated", f"A{customer.customer_id}", {"customer": customer}
        )
        self.bus.publish(ACCOUNT_EVENTS, envelope, -1)

    def _publish_price(self, sku: str) -> None:
        envelope = self._master_envelope("PriceChanged", f"P{sku}", {"sku": sku, KEYS_ONLY: True})
        self.bus.publish(PRICE_EVENTS, envelope, -1)

    def _replicate_partner(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        customer = message.payload.get("customer")
        if not isinstance(customer, Customer):
            return Outcome.POISON
        done = yield from self.master_data.replicate(customer)
        return Outcome.APPLIED if done else Outcome.FAILED

    def _sync_price(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        sku = message.payload.get("sku")
        if not isinstance(sku, str):
            return Outcome.POISON
        done = yield from self.master_data.sync_prices((sku,))
        return Outcome.APPLIED if done else Outcome.FAILED

    def start_returns(self, flow: ReturnsFlow, adapter: ReturnsAdapter) -> None:
        """Returns events on their own topic, with two subscriptions.

        ``return-router`` advises the warehouse of each authorisation, ``crm-case-sync``
        writes every event's news to the case.
        """
        settings = self.settings
        self.bus.subscribe(
            RETURN_EVENTS,
            "return-router",
            flow.advise,
            settings.fulfilment_partitions,
            types=frozenset({"ReturnAuthorized"}),
        )
        self.bus.subscribe(
            RETURN_EVENTS, "crm-case-sync", self._show_return, settings.status_sync_partitions
        )
        adapter.deliver_events(
            lambda event: self.bus.publish(RETURN_EVENTS, event, int(event.payload["order_ref"]))
        )
        adapter.deliver_receipts(lambda receipt: self._process(flow.post_receipt(receipt)))
        self.take_cases(flow, adapter)

    def take_cases(self, flow: ReturnsFlow, adapter: ReturnsAdapter) -> None:
        """Each case is authorised by a synchronous call; its news comes as events."""
        adapter.deliver_cases(lambda ret: self._process(flow.authorise(ret, False)))

    def _show_return(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        news = message.payload.get("news")
        if not isinstance(news, ReturnNews) or self.returns is None:
            return Outcome.POISON
        outcome: Outcome = yield from self.returns.show(news)
        return outcome

    def start_dead_letter_handling(self) -> None:
        """Dead letters to the desk; scheduled replays."""
        self.bus.on_dead_letter = self._dead_letter_to_desk
        for replay in self.settings.replays:
            self.sim.process(
                self.contracts.replay_at(replay.at_h, replay.subscriptions, replay.policy)
            )

    def _dead_letter_to_desk(self, letter: DeadLetter) -> None:
        """A dead letter needs a person's decision.

        When the producer can re-send what it meant (a malformed payload), the person has
        it re-sent; otherwise (an unknown schema) the order is read back from the ERP and
        the letter waits for a mapping and a replay. A master-data letter (no order) stays
        in the queue for a replay.
        """
        if letter.order < 0:
            return
        if letter.source is None:
            self.exception_desk.raise_exception(letter.order, "dead_letter")
            return

        def resend() -> Generator[Any, Any, bool]:
            yield self.sim.timeout(0)
            return self.bus.replay_letter(letter, from_source=True)

        self.exception_desk.raise_exception(letter.order, "dead_letter", resend)

    def _reconcile_order(self, order_ref: int) -> Generator[Any, Any, bool]:
        """A person's fix: the order read back in its turn on the order's partition.

        Written straight to CRM, the fix raced the order's events: parked behind a CRM
        outage, it could land after a newer status and move CRM backwards (found by the
        random fault timelines, tests/properties/test_fault_timelines.py). Sent as a
        notification through the order's partition, it waits behind the order's events,
        is read back from the ERP in its turn and passes the same resequencing, as the
        hybrid pattern's reconciliation repairs do.
        """
        self._desk_fixes += 1
        now = self.sim.now
        envelope = Envelope(
            message_id=f"desk-fix-{self._desk_fixes:09d}",
            type="StatusReconciled",
            correlation_id=f"O{order_ref:08d}",
            source="order-desk",
            occurred_at=now,
            sent_at=now,
            sequence=0,
            payload={"order_ref": order_ref, KEYS_ONLY: True},
        )
        self.bus.publish(ORDER_EVENTS, envelope, order_ref)
        yield self.sim.timeout(0)
        return True

    def _relay_erp_event(self, event: ErpEvent) -> None:
        """The outbox relay: each ERP event is published as it is committed."""
        self.bus.publish(ORDER_EVENTS, event.envelope, event.order_ref)

    def _sync_crm(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        """Write the ERP's news to CRM; only newer order, shipment and invoice states."""
        envelope = self.contracts.mapped(message)
        if isinstance(envelope, Outcome):
            return envelope
        if keys_only(envelope):  # a notification: read the order back first
            read = yield from self.read_back.order(
                int(envelope.payload["order_ref"]), self._sync_order
            )
            return read if isinstance(read, Outcome) else Outcome.FAILED
        order = created_order(envelope)
        if order is not None and self.mechanisms.erp_order_intake:
            # an order that began in the ERP, announced whole: create it in CRM first
            number = str(envelope.payload.get("erp_order_number", ""))
            created = yield from self.intake.create_order(order, number)
            if not created:
                return Outcome.FAILED
        outcome: Outcome = yield from self.status_sync.apply(news_from_event(envelope))
        return outcome

    def _sync_order(self, order: OrderReading) -> Generator[Any, Any, Outcome]:
        """Write an order read back to CRM: its status, shipments and invoices."""
        if self.mechanisms.erp_order_intake and not self.context.crm.has_record(
            order.status.order_ref
        ):  # read back already: take it without reading it again
            taken = yield from self.intake.take(order)
            return Outcome.APPLIED if taken else Outcome.FAILED
        outcome: Outcome = yield from self.status_sync.apply(news_from_reading(order.status))
        return outcome

    def _route_fulfilment(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        """Allocated deliveries go to the warehouse; non-credit holds to the exception queue."""
        envelope = self.contracts.mapped(message)
        if isinstance(envelope, Outcome):
            return envelope
        payload = envelope.payload
        ref = int(payload["order_ref"])
        if keys_only(envelope):  # a notification: read the order back first
            done = yield from self.act_by_key(ref, envelope.type, str(payload.get("delivery", "")))
            return Outcome.APPLIED if done else Outcome.FAILED
        if envelope.type == "OrderHeld":
            self.exception_desk.raise_exception(ref, str(payload["reason"]))
            return Outcome.APPLIED
        lines = tuple((int(n), str(m), int(q)) for n, m, q in payload["items"])
        released = yield from self.fulfilment.release(
            ref, str(payload["delivery"]), str(payload["plant"]), lines
        )
        return Outcome.APPLIED if released else Outcome.FAILED
