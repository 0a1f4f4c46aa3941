"""The base of every fault spec: a kind, a target and when it applies.

A kind's module subclasses :class:`FaultSpec` with ``kind: Literal["..."]`` and its own
parameters; :meth:`FaultSpec.params` is what the injector is given for each window.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sim.faults.timing import FaultTiming

__all__ = ["FaultSpec", "TIMING_FIELDS"]

TIMING_FIELDS = frozenset({"windows", "weekly", "random"})
"""Fields of :class:`FaultTiming`: when, not what."""


class FaultSpec(FaultTiming):
    """One fault of a scenario: what, where (``target``) and when."""

    kind: str
    target: str = Field(min_length=1, description="endpoint, system, topic, subscriber or feed")

    def params(self) -> dict[str, Any]:
        """The kind's own parameters, as plain JSON-ready values."""
        return self.model_dump(mode="json", exclude=set(TIMING_FIELDS | {"kind", "target"}))
