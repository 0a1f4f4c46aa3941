"""Brownout: an endpoint slows down and answers a share of requests with a 5xx.

Overlapping brownouts combine: latency multipliers multiply, error rates combine as
independent chances (1 - product of successes).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from sim.faults.registry import FaultKind, register
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["BrownoutFault", "BROWNOUT"]


class BrownoutFault(FaultSpec):
    """Service ``latency_multiplier`` times slower; ``error_rate`` of requests fail (5xx)."""

    kind: Literal["brownout"] = "brownout"
    latency_multiplier: float = Field(default=3.0, ge=1.0)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)


def _apply(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    seam.latency_factor = math.prod(float(w.params["latency_multiplier"]) for w in active)
    seam.error_rate = 1.0 - math.prod(1.0 - float(w.params["error_rate"]) for w in active)


BROWNOUT = register(FaultKind("brownout", BrownoutFault, ("endpoint",), _apply))
