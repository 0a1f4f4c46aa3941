"""Throttling: service-protection limits on an endpoint, answered with 429 and Retry-After.

Presets carry the documented limits (DOMAIN.md): ``dataverse`` (6,000 requests and 1,200 s
of execution per 5 minutes, 52 concurrent, per integration user: ``users`` multiplies
them) and ``salesforce`` (the rolling 24-hour allocation of 100,000 + 1,000 per licence,
and at most 25 concurrent requests that have run for 20 s or more). ``custom`` takes the
limits given. Each window in force adds its own limits; all of them apply.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from sim.engine import ThrottleSpec, throttle_preset
from sim.faults.registry import FaultKind, register
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["ThrottleFault", "THROTTLE"]


class ThrottleFault(FaultSpec):
    """Limits in force on the target during the window."""

    kind: Literal["throttle"] = "throttle"
    preset: Literal["dataverse", "salesforce", "custom"] = "custom"
    users: int = Field(default=1, ge=1, description="Dataverse integration users")
    licences: int = Field(default=0, ge=0, description="Salesforce Enterprise licences")
    limits: ThrottleSpec | None = Field(default=None, description="the limits, for custom")

    @model_validator(mode="after")
    def _limits_for_custom(self) -> ThrottleFault:
        if self.preset == "custom" and self.limits is None:
            raise ValueError("a custom throttle needs limits (or use preset: dataverse/salesforce)")
        return self

    def throttle(self) -> ThrottleSpec:
        """The limits this fault puts in force."""
        if self.limits is not None:
            return self.limits
        if self.preset == "custom":
            raise ValueError("a custom throttle needs limits")
        return throttle_preset(self.preset, users=self.users, licences=self.licences)


def _apply(seam: Any, active: list[FaultWindow], state: dict[str, Any]) -> None:
    """Add the limits of windows that started, remove those of windows that ended.

    Limits already in force keep their counts: a window starting or ending elsewhere does
    not reset what earlier requests used up.
    """
    protections: dict[int, Any] = state.setdefault("protections", {})
    current = {id(w): w for w in active}
    for key in [k for k in protections if k not in current]:
        seam.remove_protection(protections.pop(key))
    for key, window in current.items():
        if key not in protections:
            spec = ThrottleFault.model_validate({"target": window.target, **window.params})
            protections[key] = seam.add_protection(spec.throttle())


THROTTLE = register(FaultKind("throttle", ThrottleFault, ("endpoint",), _apply))
