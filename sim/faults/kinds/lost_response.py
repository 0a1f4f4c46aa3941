"""Lost response: the callee commits, then the response never reaches the caller.

The caller waits out its timeout and cannot tell whether the call happened; only an
idempotency key makes its retry safe.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from sim.faults.registry import FaultKind, register
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["LostResponseFault", "LOST_RESPONSE"]


class LostResponseFault(FaultSpec):
    """A share ``probability`` of served calls lose their response after the commit."""

    kind: Literal["lost_response"] = "lost_response"
    probability: float = Field(ge=0.0, le=1.0)


def _apply(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    seam.lost_response_rate = 1.0 - math.prod(1.0 - float(w.params["probability"]) for w in active)


LOST_RESPONSE = register(FaultKind("lost_response", LostResponseFault, ("endpoint",), _apply))
