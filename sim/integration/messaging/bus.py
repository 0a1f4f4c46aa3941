"""A durable publish/subscribe bus: topics, partitioned subscriptions, a dead-letter queue.

Every message published gets a number, unique on the bus, and every step of its life is a
history row, so message conservation can be checked from the history alone:

* ``bus.subscribed`` / ``bus.subscription_filter``: a subscription, its topic and filter;
* ``bus.published`` (actor ``topic:<topic>``, subject = message number, value = sequence);
* ``bus.delivered`` (actor ``subscriber:<name>``, value = the delivery count of that
  message to that subscription: broker duplicates, redeliveries and replays add one);
* one outcome per delivered copy: ``bus.applied``, ``bus.discarded`` (``duplicate`` or
  ``stale``) or ``bus.dead_lettered`` (with a reason); without a dead-letter queue a failed
  copy is ``bus.dropped``: lost;
* ``bus.redelivered`` (a consumer crashed before acknowledging) and ``bus.replayed`` (a
  dead letter put back): each followed by a new ``bus.delivered``;
* ``bus.publish_held`` / ``bus.publish_released``: a publication held in the producer's
  outbox while the broker was down, and its release when the broker came back.

Copies of one partition key are handled one at a time, in publication order (Kafka-style
ordering per key), unless a fault reorders them. A subscription's consumer deduplicates on
``message_id`` (an idempotent consumer) unless that mechanism is switched off.

Faults are applied here, at the broker: the broker can be down (publications wait in the
producer's outbox, deliveries wait), and per topic it can duplicate, delay or reorder
copies, and its consumers can crash after applying a copy but before acknowledging it.
Per-copy fault draws are keyed by (message, subscription, delivery).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.engine import Mailbox, RunEnvironment, keyed_uniform
from sim.integration.canonical import Envelope
from sim.integration.messaging.bus_records import (
    BusFaults,
    BusSettings,
    Copy,
    DeadLetter,
    Handler,
    Outcome,
    ReplayPolicy,
    Subscription,
    partition_key,
)
from sim.integration.messaging.dead_letters import DeadLetterQueue

__all__ = [
    "BusFaults",
    "BusSettings",
    "DeadLetter",
    "Handler",
    "MessageBus",
    "Outcome",
    "ReplayPolicy",
]


class MessageBus(DeadLetterQueue):
    """Topics, subscriptions and the workers that drain them (dead letters: the base)."""

    def __init__(self, run: RunEnvironment, settings: BusSettings) -> None:
        self.run = run
        self.settings = settings
        self._latency = settings.delivery_latency.sampler(run.streams.stream("bus.latency"))
        self._subscriptions: dict[str, list[Subscription]] = {}
        self.faults: dict[str, BusFaults] = {}
        """Per topic, the faults in force (set by injectors)."""
        self.available = True
        self._up: simpy.Event | None = None
        self._held: list[tuple[str, Envelope, int]] = []
        self.published = 0
        """Messages published so far (all topics)."""
        history = run.history
        self._record = history.record
        self._status = history.status_code
        code = history.event_code
        self._published_event = code("bus.published")
        self._delivered_event = code("bus.delivered")
        self._applied_event = code("bus.applied")
        self._discarded_event = code("bus.discarded")
        self._dead_event = code("bus.dead_lettered")
        self._dropped_event = code("bus.dropped")
        self._redelivered_event = code("bus.redelivered")
        self._replayed_event = code("bus.replayed")
        self._held_event = code("bus.publish_held")
        self._availability_event = code("bus.availability")
        self._bus_actor = history.actor_code("bus")
        self._topic_actors: dict[str, int] = {}
        self.on_dead_letter: Callable[[DeadLetter], None] | None = None
        """Told of every new dead letter (e.g. to raise it with the order desk)."""
        self._type_codes: dict[str, int] = {}

    def _kind(self, envelope: Envelope) -> int:
        """Status code of a message type (cached: types are few, copies many)."""
        code = self._type_codes.get(envelope.type)
        if code is None:
            code = self._type_codes[envelope.type] = self._status(envelope.type)
        return code

    # ------------------------------------------------------------------ wiring
    def subscribe(
        self,
        topic: str,
        name: str,
        handler: Handler,
        partitions: int = 1,
        key: Callable[[Envelope], int] | None = None,
        types: frozenset[str] | None = None,
    ) -> None:
        """Attach a subscription of ``partitions`` queues, one consumer each.

        Messages with the same ``key`` go to the same partition and are handled one at a
        time in publication order; without a ``key``, the order number the producer
        publishes with is the key (as a Kafka message key). With ``types`` the broker
        delivers only messages of those types (a subscription filter).
        """
        history = self.run.history
        actor = history.actor_code(f"subscriber:{name}")
        now = self.run.now
        self._record(
            now,
            history.event_code("bus.subscribed"),
            actor,
            status=self._status(topic),
            value=float(partitions),  # its consumers: a resource, for utilisation
        )
        for kind in sorted(types or ()):
            filter_event = history.event_code("bus.subscription_filter")
            self._record(now, filter_event, actor, status=self._status(kind))
        sim = self.run.sim
        subscription = Subscription(
            name,
            topic,
            [Mailbox(sim) for _ in range(partitions)],
            key,
            types,
            actor,
            [0.0] * partitions,
        )
        self._subscriptions.setdefault(topic, []).append(subscription)
        for index in range(partitions):
            sim.process(self._consume(subscription, index, handler))

    @property
    def subscriptions(self) -> list[str]:
        """Names of every subscription, sorted."""
        return sorted(s.name for subs in self._subscriptions.values() for s in subs)

    def set_paused(self, subscription: str, paused: bool) -> None:
        """Stop or restart a subscription's consumers (copies wait on their partitions)."""
        for subs in self._subscriptions.values():
            for s in subs:
                if s.name == subscription and s.paused != paused:
                    s.paused = paused
                    if not paused and s.resume is not None:
                        resume, s.resume = s.resume, None
                        resume.succeed()
                    elif paused:
                        s.resume = self.run.sim.event()

    def set_slowdown(self, subscription: str, seconds: float) -> None:
        """Make a subscription's consumers spend ``seconds`` more on every copy."""
        self._subscription(subscription).slowdown_s = seconds

    def forget_order(self, order: int) -> None:
        """Forget the message ids each consumer applied for an archived order."""
        for subs in self._subscriptions.values():
            for s in subs:
                s.applied_ids.forget(order)

    def remembers(self, order: int) -> bool:
        """True while a consumer remembers a message id applied for ``order``."""
        return any(
            s.applied_ids.holds(order) for subs in self._subscriptions.values() for s in subs
        )

    @property
    def topics(self) -> list[str]:
        """Topics with at least one subscription, sorted."""
        return sorted(self._subscriptions)

    # ------------------------------------------------------------------ publishing
    def publish(self, topic: str, envelope: Envelope, order: int) -> None:
        """Publish to every subscription of ``topic`` (held while the broker is down)."""
        if not self.available:
            self._held.append((topic, envelope, order))
            self._record(
                self.run.now, self._held_event, self._bus_actor, order, -1, self._status(topic)
            )
            return
        number = self.published
        self.published += 1
        source: Envelope | None = None
        faults = self.faults.get(topic) if self.faults else None
        if (
            faults is not None
            and faults.poison_rate
            and keyed_uniform(self.run.streams.seed, "poison", number) < faults.poison_rate
        ):
            # a producer bug: the payload is not what the contract promises
            source = envelope
            envelope = envelope._replace(payload={"garbled": True})
        now = self.run.sim.now
        actor = self._topic_actors.get(topic)
        if actor is None:
            actor = self._topic_actors[topic] = self.run.history.actor_code(f"topic:{topic}")
        kind = self._type_codes.get(envelope.type)
        if kind is None:
            kind = self._kind(envelope)
        self._record(
            now, self._published_event, actor, order, number, kind, float(envelope.sequence)
        )
        for subscription in self._subscriptions.get(topic, ()):
            if subscription.types is not None and envelope.type not in subscription.types:
                continue
            key = subscription.key
            partitions = subscription.partitions
            partition = (
                order if key is None and order >= 0 else partition_key(envelope, key)
            ) % len(partitions)
            if faults is not None:
                self._route_faulty(
                    subscription, partition, number, envelope, order, faults, now, source
                )
                continue
            # a partition delivers in publication order: never before the previous message
            at = now + self._latency()
            last = subscription.last_delivery
            if at < last[partition]:
                at = last[partition]
            last[partition] = at
            partitions[partition].put(Copy(at, number, envelope, order, source))

    def _route_faulty(
        self,
        subscription: Subscription,
        partition: int,
        number: int,
        envelope: Envelope,
        order: int,
        faults: BusFaults,
        now: float,
        source: Envelope | None = None,
    ) -> None:
        """Route one copy through a topic with faults in force (delay, reorder, duplicate)."""
        at = now + self._latency() + faults.extra_delay_s
        seed = self.run.streams.seed
        if faults.reorder_rate and (
            keyed_uniform(seed, "reorder", number, subscription.name) < faults.reorder_rate
        ):
            # held back at the broker: later copies of the same key overtake it
            copy = Copy(at + faults.reorder_delay_s, number, envelope, order, source)
            # held back, not repeated: still the first copy
            self._later(subscription, partition, copy)
            return
        # a partition delivers in publication order: never before the previous message
        at = max(at, subscription.last_delivery[partition])
        subscription.last_delivery[partition] = at
        subscription.partitions[partition].put(Copy(at, number, envelope, order, source))
        if (
            faults.duplicate_rate
            and keyed_uniform(seed, "duplicate", number, subscription.name) < faults.duplicate_rate
        ):
            copy = Copy(at + faults.duplicate_delay_s, number, envelope, order, source, True)
            self._later(subscription, partition, copy)

    def _later(self, subscription: Subscription, partition: int, copy: Copy) -> None:
        """Put a copy on a partition at its ``at``, behind whatever arrived before it."""
        sim = self.run.sim
        sim.timeout(copy.at - sim.now).callbacks.append(
            lambda _: subscription.partitions[partition].put(copy)
        )

    # ------------------------------------------------------------------ broker outages
    def set_available(self, available: bool) -> None:
        """Take the broker down (publications held, deliveries paused) or bring it back."""
        if available == self.available:
            return
        self.available = available
        self._record(
            self.run.now,
            self._availability_event,
            self._bus_actor,
            status=self._status("up" if available else "down"),
        )
        if not available:
            self._up = self.run.sim.event()
            return
        up, self._up = self._up, None
        if up is not None:
            up.succeed()
        held, self._held = self._held, []
        released = self.run.history.event_code("bus.publish_released")
        for topic, envelope, order in held:
            self._record(self.run.now, released, self._bus_actor, order, -1, self._status(topic))
            self.publish(topic, envelope, order)

    # ------------------------------------------------------------------ consuming
    def _consume(
        self, subscription: Subscription, index: int, handler: Handler
    ) -> Generator[Any, Any, None]:
        sim = self.run.sim
        store = subscription.partitions[index]
        record, actor, status = self._record, subscription.actor, self._status
        settings = self.settings
        dedupe, applied_ids = settings.dedupe, subscription.applied_ids
        seed = self.run.streams.seed
        type_codes = self._type_codes
        delivered_event, applied_event = self._delivered_event, self._applied_event
        while True:
            copy = yield from store.take()
            if copy.at > sim.now:
                yield sim.timeout(copy.at - sim.now)  # broker delivery latency
            while self._up is not None or subscription.resume is not None:
                # the broker is down, or this subscription's consumers are: nothing is taken
                yield self._up if self._up is not None else subscription.resume
            envelope, number, order = copy.envelope, copy.number, copy.order
            delivery = 1
            if copy.repeat:  # only repeated copies need counting: first copies are 1
                delivery = subscription.deliveries.get(number, 1) + 1
                subscription.deliveries[number] = delivery
            kind = type_codes.get(envelope.type)
            if kind is None:
                kind = self._kind(envelope)
            record(sim.now, delivered_event, actor, order, number, kind, float(delivery))
            subscription.busy += 1
            if subscription.slowdown_s:
                yield sim.timeout(subscription.slowdown_s)  # a slow consumer
            if dedupe and applied_ids.seen(envelope.message_id, order):
                outcome = Outcome.DUPLICATE
            else:
                outcome = yield from handler(envelope)
            subscription.busy -= 1
            now = sim.now
            if outcome is Outcome.APPLIED:
                applied_ids.add(envelope.message_id, order)
                record(now, applied_event, actor, order, number, kind)
            elif outcome.discarded:
                record(now, self._discarded_event, actor, order, number, status(outcome.value))
            elif settings.dead_letter_queue:
                letter = DeadLetter(
                    number,
                    envelope,
                    outcome.value,
                    now,
                    index,
                    order,
                    subscription.name,
                    copy.source,
                )
                subscription.dead_letters.append(letter)
                record(now, self._dead_event, actor, order, number, status(outcome.value))
                if self.on_dead_letter is not None:
                    self.on_dead_letter(letter)
            else:
                record(now, self._dropped_event, actor, order, number, status(outcome.value))
            faults = self.faults.get(subscription.topic) if self.faults else None
            if (
                faults is not None
                and faults.crash_rate
                and keyed_uniform(seed, "crash", number, subscription.name, delivery)
                < faults.crash_rate
            ):
                # the consumer died before acknowledging: the broker delivers the copy again
                record(now, self._redelivered_event, actor, order, number, status("consumer_crash"))
                copy = Copy(
                    now + settings.redelivery_delay_s, number, envelope, order, copy.source, True
                )
                self._later(subscription, index, copy)

    def _subscription(self, name: str) -> Subscription:
        for subs in self._subscriptions.values():
            for s in subs:
                if s.name == name:
                    return s
        raise KeyError(f"no subscription named {name!r}")

    # ------------------------------------------------------------------ observing
    def depth(self, topic: str) -> int:
        """Copies waiting in all subscriptions of ``topic``."""
        return sum(len(store) for s in self._subscriptions.get(topic, ()) for store in s.partitions)

    def in_flight(self) -> int:
        """Copies queued or being handled, plus publications held while the broker is down."""
        return len(self._held) + sum(
            s.busy + sum(len(store) for store in s.partitions)
            for subs in self._subscriptions.values()
            for s in subs
        )
