"""The fault timeline: the plain, serialisable list of fault windows a run applies.

Before time zero the scenario's ``faults:`` section is expanded into a timeline of windows
(kind, target, start, end, parameters). Random windows are drawn from a stream named after
the fault's position, kind and target, so the timeline depends only on the scenario and
seed: it is the same under every integration pattern. The timeline is written into
``run.json``; a user or a test generator can also write one by hand and pass it to
``sim.run.execute(..., timeline=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.engine import RandomStreams
from sim.engine.calendar import WorkCalendar
from sim.faults.spec import FaultSpec
from sim.faults.timing import windows_of

__all__ = ["FaultWindow", "FaultTimeline", "expand"]


class FaultWindow(BaseModel):
    """One fault in force on one target from ``start_s`` to ``end_s`` (simulated seconds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(min_length=1)
    target: str = Field(min_length=1)
    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ordered(self) -> FaultWindow:
        if not self.end_s > self.start_s:
            raise ValueError(f"end_s ({self.end_s}) must be after start_s ({self.start_s})")
        return self


class FaultTimeline(BaseModel):
    """Every fault window of a run, sorted by start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    windows: tuple[FaultWindow, ...] = ()

    def __len__(self) -> int:
        return len(self.windows)


def expand(
    faults: Sequence[FaultSpec], horizon_s: float, calendar: WorkCalendar, seed: int
) -> FaultTimeline:
    """Turn fault specs into concrete windows, from streams of the faults' own."""
    streams = RandomStreams(seed)
    windows: list[FaultWindow] = []
    for index, spec in enumerate(faults):
        rng = streams.stream(f"faults.{index}.{spec.kind}.{spec.target}")
        params = spec.params()
        windows.extend(
            FaultWindow(kind=spec.kind, target=spec.target, start_s=s, end_s=e, params=params)
            for s, e in windows_of(spec, horizon_s, calendar, rng)
        )
    windows.sort(key=lambda w: (w.start_s, w.kind, w.target))
    return FaultTimeline(windows=tuple(windows))
