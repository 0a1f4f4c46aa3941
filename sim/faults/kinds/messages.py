"""Message faults at the broker, per topic: duplicate, delay, reorder, consumer crash, poison.

* ``bus_duplicate``: a share of copies is delivered twice (the second ``delay_s`` later);
* ``bus_delay``: every copy waits ``delay_s`` longer at the broker;
* ``bus_reorder``: a share of copies is held back ``delay_s`` at the broker, so later
  copies of the same key overtake it (out of order within a partition);
* ``consumer_crash``: after applying a copy, the consumer dies before acknowledging it, a
  share ``probability`` of the time; the broker redelivers the copy;
* ``poison``: a share of messages is published with a payload that breaks the contract.

Which copy is hit is decided per message (and subscription), from a draw keyed by the
message, so every pattern's copies meet the same fate.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sim.faults.registry import Apply, FaultKind, register
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow
from sim.integration.messaging import BusFaults, MessageBus

__all__ = [
    "BusDuplicateFault",
    "BusDelayFault",
    "BusReorderFault",
    "ConsumerCrashFault",
    "PoisonFault",
]


class BusDuplicateFault(FaultSpec):
    """A share of copies delivered twice."""

    kind: Literal["bus_duplicate"] = "bus_duplicate"
    probability: float = Field(ge=0.0, le=1.0)
    delay_s: float = Field(default=5.0, ge=0.0)


class BusDelayFault(FaultSpec):
    """Every copy delayed at the broker."""

    kind: Literal["bus_delay"] = "bus_delay"
    delay_s: float = Field(gt=0.0)


class BusReorderFault(FaultSpec):
    """A share of copies held back so that later ones overtake them."""

    kind: Literal["bus_reorder"] = "bus_reorder"
    probability: float = Field(ge=0.0, le=1.0)
    delay_s: float = Field(default=60.0, gt=0.0)


class ConsumerCrashFault(FaultSpec):
    """Consumers die after applying a copy, before acknowledging it."""

    kind: Literal["consumer_crash"] = "consumer_crash"
    probability: float = Field(ge=0.0, le=1.0)


class PoisonFault(FaultSpec):
    """A share of messages published with a malformed payload."""

    kind: Literal["poison"] = "poison"
    probability: float = Field(ge=0.0, le=1.0)


def _faults(bus: MessageBus, topic: str) -> BusFaults:
    faults = bus.faults.get(topic)
    if faults is None:
        faults = bus.faults[topic] = BusFaults()
    return faults


def _sets(**fields: str) -> Apply:
    """An ``apply`` copying the latest window's parameters onto a topic's fault state.

    ``fields`` maps a :class:`BusFaults` field to the parameter it takes; windows of one
    kind do not stack, the latest one in force wins. With none in force the fields go
    back to their defaults (no fault).
    """

    def apply(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
        bus, topic = seam
        faults = _faults(bus, topic)
        for field, param in fields.items():
            value = float(active[-1].params[param]) if active else getattr(_OFF, field)
            setattr(faults, field, value)

    return apply


_OFF = BusFaults()


register(
    FaultKind(
        "bus_duplicate",
        BusDuplicateFault,
        ("bus",),
        _sets(duplicate_rate="probability", duplicate_delay_s="delay_s"),
    )
)
register(FaultKind("bus_delay", BusDelayFault, ("bus",), _sets(extra_delay_s="delay_s")))
register(
    FaultKind(
        "bus_reorder",
        BusReorderFault,
        ("bus",),
        _sets(reorder_rate="probability", reorder_delay_s="delay_s"),
    )
)
register(FaultKind("consumer_crash", ConsumerCrashFault, ("bus",), _sets(crash_rate="probability")))
register(FaultKind("poison", PoisonFault, ("bus",), _sets(poison_rate="probability")))
