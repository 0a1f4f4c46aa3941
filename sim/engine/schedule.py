"""Batch schedules: the times of day at which a batch job starts, through a WorkCalendar.

A batch job (a billing due-list run, backorder rescheduling, a warehouse wave, a carrier
manifest close-out) starts at fixed local times of day on chosen weekdays. A
:class:`BatchSchedule` turns those times into weekly windows, each lasting until the next
start (or midnight), so that the run's :class:`~sim.engine.calendar.WorkCalendar` places
them: its local time, and any day it keeps closed, apply to batch jobs as to shifts.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.engine.calendar import WeeklyWindow, WorkCalendar

__all__ = ["BatchSchedule", "next_start"]


class BatchSchedule(BaseModel):
    """Local times of day (hours, e.g. ``[22.0]``) at which a job starts, on ``weekdays``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    times_h: tuple[float, ...] = Field(
        min_length=1, description="hours of the local day at which a run starts, ascending"
    )
    weekdays: tuple[int, ...] = Field(
        default=(0, 1, 2, 3, 4),
        min_length=1,
        description="days on which the job runs, 0 = Monday",
    )

    @model_validator(mode="after")
    def _check(self) -> BatchSchedule:
        if any(not 0 <= h < 24 for h in self.times_h):
            raise ValueError("times_h are hours of the day, 0 <= hour < 24")
        if any(b <= a for a, b in zip(self.times_h, self.times_h[1:], strict=False)):
            raise ValueError("times_h must be strictly ascending")
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return self

    def windows(self) -> tuple[WeeklyWindow, ...]:
        """One weekly window per start, lasting until the next start of the day (or 24:00)."""
        ends = (*self.times_h[1:], 24.0)
        return tuple(
            WeeklyWindow(start_hour=start, end_hour=end, weekdays=self.weekdays)
            for start, end in zip(self.times_h, ends, strict=True)
        )


def next_start(calendar: WorkCalendar, windows: tuple[WeeklyWindow, ...], t: float) -> float:
    """The first start of one of ``windows`` (a :meth:`BatchSchedule.windows`) after ``t``.

    Inside a window its start has passed (or is now: the job that woke up for it is
    running), so the next start is looked for from the window's end on.
    """
    if calendar.is_open(t, windows):
        t = calendar.window_end(t, windows)
    return calendar.next_open(t, windows)
