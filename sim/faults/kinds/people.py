"""Slow consumers and a short-staffed order desk: capacity faults of the integration's side.

* ``slow_consumer``: a subscription's consumers spend ``extra_s`` more on every copy (a
  cold cache, a slow downstream lookup), so its partitions back up;
* ``desk_staffing``: the order desk has ``headcount`` people during the window (0: off
  shift or everyone in a meeting); the configured headcount returns at the window's end.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mock_systems.desk import Desk
from sim.faults.registry import FaultKind, register
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["SlowConsumerFault", "DeskStaffingFault"]


class SlowConsumerFault(FaultSpec):
    """Consumers of ``subscriber:<name>`` spend ``extra_s`` more per copy."""

    kind: Literal["slow_consumer"] = "slow_consumer"
    extra_s: float = Field(gt=0.0)


class DeskStaffingFault(FaultSpec):
    """The order desk works with ``headcount`` people during the window."""

    kind: Literal["desk_staffing"] = "desk_staffing"
    target: str = "desk"
    headcount: int = Field(ge=0, le=10_000)


def _slow(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    bus, name = seam
    bus.set_slowdown(name, max((float(w.params["extra_s"]) for w in active), default=0.0))


def _staff(seam: Any, active: list[FaultWindow], state: dict[str, Any]) -> None:
    desk: Desk = seam
    if "usual" not in state:
        state["usual"] = desk.headcount
    desk.set_headcount(
        min(int(w.params["headcount"]) for w in active) if active else int(state["usual"])
    )


register(FaultKind("slow_consumer", SlowConsumerFault, ("subscriber",), _slow))
register(FaultKind("desk_staffing", DeskStaffingFault, ("desk",), _staff))
