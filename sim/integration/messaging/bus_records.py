"""What the bus is made of: its settings, a copy, a subscription, a dead letter, an outcome.

Plain data, shared by :class:`~sim.integration.messaging.bus.MessageBus` and the fault
injectors that set a topic's :class:`BusFaults`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

import simpy
from pydantic import BaseModel, ConfigDict, Field

from sim.engine import Distribution, LogNormal, Mailbox
from sim.integration.canonical import Envelope
from sim.integration.messaging.resequencer import SeenIds

__all__ = [
    "BusFaults",
    "BusSettings",
    "Copy",
    "DeadLetter",
    "Handler",
    "Outcome",
    "ReplayPolicy",
    "Subscription",
    "partition_key",
]


class Outcome(StrEnum):
    """What a subscriber did with one delivered copy."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    POISON = "poison"
    UNKNOWN_SCHEMA = "unknown_schema"
    FAILED = "handler_failed"

    @property
    def discarded(self) -> bool:
        """A copy that was received and deliberately not applied."""
        return self in (Outcome.DUPLICATE, Outcome.STALE)


Handler = Callable[[Envelope], Generator[Any, Any, Outcome]]
"""A subscriber: handles one message and says what became of it."""


class BusSettings(BaseModel):
    """Broker behaviour and the consumer-side mechanisms of every subscription."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delivery_latency: Distribution = LogNormal(mean=0.05, cv=0.5)
    dead_letter_queue: bool = Field(
        default=True, description="keep copies that fail; off: they are dropped (lost)"
    )
    dedupe: bool = Field(default=True, description="consumers skip message ids already applied")
    redelivery_delay_s: float = Field(
        default=30.0, gt=0, description="visibility timeout before an unacknowledged copy returns"
    )


class ReplayPolicy(BaseModel):
    """Which dead letters a replay puts back, and how fast."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reasons: tuple[str, ...] = Field(default=(), description="only these reasons; () = all")
    min_age_s: float = Field(default=0.0, ge=0, description="only letters at least this old")
    spacing_s: float = Field(default=0.0, ge=0, description="pause between replayed letters")
    from_source: bool = Field(
        default=False, description="the producer re-sends each message (fix for malformed ones)"
    )


@dataclass
class BusFaults:
    """Fault state of one topic, set by the fault injectors."""

    duplicate_rate: float = 0.0
    duplicate_delay_s: float = 5.0
    extra_delay_s: float = 0.0
    reorder_rate: float = 0.0
    reorder_delay_s: float = 60.0
    crash_rate: float = 0.0
    poison_rate: float = 0.0


class Copy(NamedTuple):
    """One copy of a message on its way to one subscription's partition."""

    at: float
    number: int
    envelope: Envelope
    order: int
    source: Envelope | None = None
    repeat: bool = False
    """Not the message's first copy to this subscription (a duplicate, redelivery, replay)."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A copy a subscription could not apply, kept for a decision or a replay."""

    number: int
    envelope: Envelope
    reason: str
    dead_lettered_at: float
    partition: int
    order: int
    subscription: str
    source: Envelope | None = None
    """The message as its producer meant it, when the broker got a malformed one."""


@dataclass
class Subscription:
    """A subscription's state: its partitions, its consumers' counters and dead letters."""

    name: str
    topic: str
    partitions: list[Mailbox[Copy]]
    key: Callable[[Envelope], int] | None
    types: frozenset[str] | None
    actor: int
    last_delivery: list[float]
    deliveries: dict[int, int] = field(default_factory=dict)
    applied_ids: SeenIds = field(default_factory=SeenIds)
    """Message ids applied, per order (the idempotent consumer's memory)."""
    dead_letters: list[DeadLetter] = field(default_factory=list)
    busy: int = 0
    paused: bool = False
    slowdown_s: float = 0.0
    resume: simpy.Event | None = None


def partition_key(envelope: Envelope, key: Callable[[Envelope], int] | None) -> int:
    """A message's partition key: the subscription's own, else its correlation id's hash."""
    return key(envelope) if key is not None else zlib.crc32(envelope.correlation_id.encode())
