"""When a fault is in force: explicit windows, a weekly schedule, or random failures.

Every fault spec in a scenario's ``faults:`` section says when it applies in one of three
ways (or not at all, meaning the whole run):

* ``windows``: explicit windows in hours since the run's start (a hand-written timeline);
* ``weekly``: a recurring window, e.g. SAP's 4-hour maintenance on Saturday at 22:00 UTC,
  every ``every_weeks`` weeks;
* ``random``: alternating up and down times drawn from MTBF and MTTR distributions
  (exponential up times, lognormal or exponential repair times).

:func:`windows_of` turns the timing into concrete ``(start_s, end_s)`` windows, drawing
random failures from a stream of the fault's own, so they are the same under every
pattern.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.engine.calendar import DAY, HOUR, WEEK, WorkCalendar

__all__ = ["HourWindow", "WeeklySchedule", "RandomFailures", "FaultTiming", "windows_of"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HourWindow(_Model):
    """A window in hours since the run's start; ``end_h`` after ``start_h``."""

    start_h: float = Field(ge=0, description="hours since the run's start")
    end_h: float = Field(gt=0, description="hours since the run's start")

    @model_validator(mode="after")
    def _ordered(self) -> HourWindow:
        if not self.end_h > self.start_h:
            raise ValueError(
                f"a window must have positive length: end_h ({self.end_h}) must be after "
                f"start_h ({self.start_h})"
            )
        return self


class WeeklySchedule(_Model):
    """A recurring window: ``weekday`` (0 = Monday) at ``start_hour`` for ``duration_h``."""

    weekday: int = Field(ge=0, le=6)
    start_hour: float = Field(ge=0, lt=24)
    duration_h: float = Field(gt=0, le=168)
    every_weeks: int = Field(default=1, ge=1, description="e.g. 2 for a fortnightly patch")
    first_week: int = Field(default=0, ge=0, description="week of the run of the first one")


class RandomFailures(_Model):
    """Failures with exponential time between them and a repair-time distribution."""

    mtbf_h: float = Field(gt=0, description="mean time between failures (up time), hours")
    mttr_h: float = Field(gt=0, description="mean time to repair, hours")
    mttr_cv: float | None = Field(
        default=None,
        gt=0,
        description="repair time coefficient of variation (lognormal); None: exponential",
    )


class FaultTiming(_Model):
    """Exactly one of ``windows``, ``weekly`` or ``random``; none means the whole run."""

    windows: tuple[HourWindow, ...] = ()
    weekly: WeeklySchedule | None = None
    random: RandomFailures | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> FaultTiming:
        given = [n for n in ("windows", "weekly", "random") if getattr(self, n)]
        if len(given) > 1:
            raise ValueError(f"give one of windows, weekly or random, not {' and '.join(given)}")
        ordered = sorted(self.windows, key=lambda w: w.start_h)
        for before, after in itertools.pairwise(ordered):
            if after.start_h < before.end_h:
                raise ValueError(
                    f"windows [{before.start_h}, {before.end_h}] and "
                    f"[{after.start_h}, {after.end_h}] overlap; merge them into one"
                )
        return self


def windows_of(
    timing: FaultTiming, horizon_s: float, calendar: WorkCalendar, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """Concrete ``(start, end)`` windows in simulated seconds, clipped to the horizon."""
    found: list[tuple[float, float]] = []
    if timing.windows:
        found = [(w.start_h * HOUR, w.end_h * HOUR) for w in timing.windows]
    elif timing.weekly is not None:
        found = _weekly(timing.weekly, horizon_s, calendar)
    elif timing.random is not None:
        found = _random(timing.random, horizon_s, rng)
    else:
        found = [(0.0, horizon_s)]
    return [(s, min(e, horizon_s)) for s, e in sorted(found) if s < horizon_s]


def _weekly(
    schedule: WeeklySchedule, horizon_s: float, calendar: WorkCalendar
) -> list[tuple[float, float]]:
    # the run's start sits somewhere in its first week: find the first such weekday instant
    start_of_week = -calendar.week_seconds(0.0)
    offset = schedule.weekday * DAY + schedule.start_hour * HOUR
    duration = schedule.duration_h * HOUR
    # the occurrence of the week the run starts in; one that began before the run and is
    # still in force at time zero applies for its remainder
    t = start_of_week + offset
    if t + duration <= 0.0:
        t += WEEK
    windows = []
    week = 0
    while t < horizon_s:
        if week >= schedule.first_week and (week - schedule.first_week) % schedule.every_weeks == 0:
            windows.append((max(t, 0.0), t + duration))
        week += 1
        t += WEEK
    return windows


def _random(
    failures: RandomFailures, horizon_s: float, rng: np.random.Generator
) -> list[tuple[float, float]]:
    mtbf, mttr = failures.mtbf_h * HOUR, failures.mttr_h * HOUR
    cv = failures.mttr_cv
    sigma2 = math.log(1.0 + cv**2) if cv is not None else 0.0
    mu = math.log(mttr) - sigma2 / 2.0
    windows = []
    t = float(rng.exponential(mtbf))
    while t < horizon_s:
        down = (
            float(rng.exponential(mttr))
            if cv is None
            else float(rng.lognormal(mu, math.sqrt(sigma2)))
        )
        windows.append((t, t + down))
        t += down + float(rng.exponential(mtbf))
    return windows
