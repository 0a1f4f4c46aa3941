"""Delivery exceptions: a share of the carrier's delivery attempts fail.

During the window each delivery attempt that goes out fails with chance ``probability``:
instead of ``delivered`` the shipment gets an ``exception`` scan with a reason drawn from
``reasons`` (relative weights), and the carrier tries again in the next day's delivery
window, up to its ``max_delivery_attempts``; then it returns the shipment (a final
``exception``, ``returned_to_sender``). The fault acts through the carrier's operational
seam (:meth:`~mock_systems.carrier.Carrier.set_delivery_failures`); the business behaviour
of a failed attempt is the carrier's own.

Whether an attempt fails, and why, is decided from draws keyed by the shipment's business
identity (its order and which of the order's shipments it is, not a tracking or delivery
number, which are handed out in arrival order) and the attempt, so the same shipment meets
the same fate under every pattern and in any order of events. Overlapping windows combine
as independent chances; each window's reasons weigh in proportion to its probability.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from mock_systems.carrier import EXCEPTION_REASONS, Carrier
from sim.engine import keyed_uniform
from sim.faults.registry import FaultKind, register
from sim.faults.seams import DELIVERY_TARGETS
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["DEFAULT_REASONS", "DeliveryExceptionFault", "KeyedDeliveryFailures"]

DEFAULT_REASONS: dict[str, float] = {
    "recipient_absent": 0.5,
    "address_problem": 0.3,
    "damaged": 0.2,
}
"""Relative weights of the exception reasons (assumption: a closed receiving dock is the
most common failed B2B delivery, then address problems, then damage)."""


class DeliveryExceptionFault(FaultSpec):
    """A share ``probability`` of delivery attempts fail, for ``reasons`` (weights)."""

    kind: Literal["delivery_exception"] = "delivery_exception"
    target: str = DELIVERY_TARGETS[0]
    probability: float = Field(ge=0.0, le=1.0, description="chance that an attempt fails")
    reasons: dict[str, Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=lambda: dict(DEFAULT_REASONS),
        description="relative weight of each exception reason",
    )

    @field_validator("reasons")
    @classmethod
    def _known(cls, reasons: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(reasons) - set(EXCEPTION_REASONS))
        if unknown:
            raise ValueError(
                f"the carrier has no exception reason {unknown[0]!r}; "
                f"it has {', '.join(EXCEPTION_REASONS)}"
            )
        if not sum(reasons.values()) > 0:
            raise ValueError("at least one reason needs a weight above 0")
        return reasons


@dataclass(frozen=True)
class KeyedDeliveryFailures:
    """The carrier's :class:`~mock_systems.carrier.DeliveryFailures`, from keyed draws."""

    seed: int
    probability: float
    reasons: tuple[str, ...]
    cumulative: tuple[float, ...]
    """Running sums of the reasons' weights."""

    @classmethod
    def of(cls, seed: int, windows: list[FaultWindow]) -> KeyedDeliveryFailures | None:
        """The failures of the windows in force (None when none can fail an attempt)."""
        probability = 1.0 - math.prod(1.0 - float(w.params["probability"]) for w in windows)
        if probability <= 0.0:
            return None
        weights = dict.fromkeys(EXCEPTION_REASONS, 0.0)
        for window in windows:
            given = {str(k): float(v) for k, v in window.params["reasons"].items()}
            total = sum(given.values())
            for reason, weight in given.items():
                weights[reason] += float(window.params["probability"]) * weight / total
        reasons = tuple(r for r in EXCEPTION_REASONS if weights[r] > 0.0)
        cumulative = tuple(accumulate(weights[r] for r in reasons))
        return cls(seed, probability, reasons, cumulative)

    def failure(self, shipment: str, attempt: int) -> str:
        """The reason attempt ``attempt`` at ``shipment`` fails, or ""."""
        seed = self.seed
        if keyed_uniform(seed, "delivery_exception", shipment, attempt) >= self.probability:
            return ""
        pick = keyed_uniform(seed, "delivery_exception.reason", shipment, attempt)
        index = bisect_right(self.cumulative, pick * self.cumulative[-1])
        return self.reasons[min(index, len(self.reasons) - 1)]


def _apply(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    carrier: Carrier = seam
    carrier.set_delivery_failures(KeyedDeliveryFailures.of(carrier.run.streams.seed, active))


register(FaultKind("delivery_exception", DeliveryExceptionFault, ("delivery",), _apply))
