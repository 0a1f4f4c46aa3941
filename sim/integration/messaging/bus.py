"""A durable publish/subscribe bus with per-subscription queues and consumer workers.

Publishing records ``bus.published``; each subscription whose filter takes the message type
gets its own copy after the broker's delivery latency, in publication order per partition
key, and its consumer records ``bus.applied`` or ``bus.failed`` after the handler answers.
Conservation: every copy delivered to a subscription is, at any instant, queued, being
handled, applied or failed. Copies a filter declines are never made and leave no row.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from pydantic import BaseModel, ConfigDict

from sim.engine import Distribution, LogNormal, Mailbox, RunEnvironment
from sim.integration.canonical import Envelope

__all__ = ["BusSettings", "MessageBus", "Handler"]

Handler = Callable[[Envelope], Generator[Any, Any, bool]]
"""A subscriber: handles one message, answers True when applied, False when it failed."""


class BusSettings(BaseModel):
    """Broker behaviour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delivery_latency: Distribution = LogNormal(mean=0.05, cv=0.5)


class _Subscription:
    """One subscriber's partitions: a queue and a consumer per partition."""

    def __init__(
        self,
        name: str,
        topic: str,
        partitions: list[Mailbox[tuple[float, Envelope]]],
        key: Callable[[Envelope], int],
        types: frozenset[str] | None,
    ) -> None:
        self.name = name
        self.topic = topic
        self.partitions = partitions
        self.key = key
        self.types = types
        self.last_delivery = [0.0] * len(partitions)


class MessageBus:
    """Topics, subscriptions and the workers that drain them."""

    def __init__(self, run: RunEnvironment, settings: BusSettings) -> None:
        self.run = run
        self._latency = settings.delivery_latency.sampler(run.streams.stream("bus.latency"))
        self._subscriptions: dict[str, list[_Subscription]] = {}
        self.published = 0
        """Messages published so far (all topics)."""
        history = run.history
        self._record = history.record
        self._actor = history.actor_code("bus")
        self._published_event = history.event_code("bus.published")
        self._applied_event = history.event_code("bus.applied")
        self._failed_event = history.event_code("bus.failed")
        self._status = history.status_code

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
        time in publication order (Kafka-style ordering per key). With ``types`` the
        broker delivers only messages of those types (a subscription filter).
        """
        stores: list[Mailbox[tuple[float, Envelope]]] = [
            Mailbox(self.run.sim) for _ in range(partitions)
        ]
        subscription = _Subscription(name, topic, stores, key or (lambda _: 0), types)
        self._subscriptions.setdefault(topic, []).append(subscription)
        for store in stores:
            self.run.sim.process(self._consume(subscription, store, handler))

    def publish(self, topic: str, envelope: Envelope, order: int) -> None:
        """Publish to every subscription of ``topic``."""
        self.published += 1
        self._record(
            self.run.sim.now,
            self._published_event,
            self._actor,
            order,
            envelope.sequence,
            self._status(envelope.type),
        )
        now = self.run.sim.now
        for subscription in self._subscriptions.get(topic, ()):
            if subscription.types is not None and envelope.type not in subscription.types:
                continue
            partition = subscription.key(envelope) % len(subscription.partitions)
            # a partition delivers in publication order: never before the previous message
            at = max(now + self._latency(), subscription.last_delivery[partition])
            subscription.last_delivery[partition] = at
            subscription.partitions[partition].put((at, envelope))

    def depth(self, topic: str) -> int:
        """Messages waiting in all subscriptions of ``topic``."""
        return sum(len(store) for s in self._subscriptions.get(topic, ()) for store in s.partitions)

    def _consume(
        self, subscription: _Subscription, store: Mailbox[tuple[float, Envelope]], handler: Handler
    ) -> Generator[Any, Any, None]:
        actor = self.run.history.actor_code(f"subscriber:{subscription.name}")
        while True:
            at, envelope = yield from store.take()
            if at > self.run.sim.now:
                yield self.run.sim.timeout(at - self.run.sim.now)  # broker delivery latency
            applied = yield from handler(envelope)
            order = int(envelope.payload.get("order_ref", -1))
            self._record(
                self.run.sim.now,
                self._applied_event if applied else self._failed_event,
                actor,
                order,
                envelope.sequence,
                self._status(envelope.type),
            )
