"""Simulated seconds to local wall-clock seconds in one time zone, precomputed.

A run starts at a UTC instant; simulated time is seconds since then. A place keeps its
hours in local time, whose offset from UTC changes twice a year (daylight saving time).
:class:`LocalClock` finds those changes once, before time zero (a ``zoneinfo`` look-up per
week over the horizon, refined to the second), so the hot path converts with one comparison
and, only after a change, one bisection; no datetime is built per event.

Local seconds count from the Monday 00:00 (local wall clock) of the week the run starts
in, so ``local % WEEK`` is the time into the local week and ``local // DAY`` numbers local
days (day 0 is that Monday).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

__all__ = ["LocalClock", "DAY"]

DAY = 86400.0

_STEP_DAYS = 7
"""Days between the offset look-ups that find changes (zones change offset months apart)."""


class LocalClock:
    """Converts simulated seconds to local seconds (and back) in one IANA time zone."""

    __slots__ = (
        "_changes",
        "_first_change",
        "_local_changes",
        "_shift0",
        "_shifts",
        "monday",
        "zone",
    )

    def __init__(self, start: datetime, zone: str = "UTC", days: int = 400) -> None:
        tz = ZoneInfo(zone)
        self.zone = zone
        origin = (start if start.tzinfo else start.replace(tzinfo=UTC)).astimezone(UTC)
        wall = origin.astimezone(tz).replace(tzinfo=None)
        monday = (wall - timedelta(days=wall.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.monday: date = monday.date()
        """The local date of local day 0 (the Monday of the run's first local week)."""

        def offset(t: float) -> float:
            delta = (origin + timedelta(seconds=t)).astimezone(tz).utcoffset()
            return delta.total_seconds() if delta is not None else 0.0

        base = (wall - monday).total_seconds() - offset(0.0)
        self._shift0 = base + offset(0.0)
        """Local minus simulated seconds before the first change of offset."""
        changes: list[float] = []
        shifts: list[float] = []
        before = offset(0.0)
        for day in range(_STEP_DAYS, days + _STEP_DAYS, _STEP_DAYS):
            after = offset(day * DAY)
            if after != before:
                # offset(lo) == before, offset(hi) != before: bisect to the second
                lo, hi = (day - _STEP_DAYS) * DAY, day * DAY
                while hi - lo > 1.0:
                    mid = math.floor((lo + hi) / 2)
                    lo, hi = (mid, hi) if offset(mid) == before else (lo, mid)
                changes.append(hi)
                shifts.append(base + after)
                before = after
        self._changes = changes
        """Simulated seconds at which the offset changes."""
        self._shifts = shifts
        """Local minus simulated seconds from each change on."""
        self._first_change = changes[0] if changes else math.inf
        self._local_changes = [c + s for c, s in zip(changes, shifts, strict=True)]
        """Local seconds at which each new offset begins."""

    def local(self, t: float) -> float:
        """Local wall-clock seconds since local day 0 at simulated time ``t``."""
        if t < self._first_change:
            return t + self._shift0
        return t + self._shifts[bisect_right(self._changes, t) - 1]

    def simulated(self, local: float) -> float:
        """Simulated seconds at local wall-clock seconds ``local``.

        A local time that occurs twice (the hour repeated when clocks go back) maps to its
        later occurrence; one that never occurs (the hour skipped when clocks go forward)
        maps to the instant an hour later on the wall clock.
        """
        if not self._local_changes or local < self._local_changes[0]:
            return local - self._shift0
        return local - self._shifts[bisect_right(self._local_changes, local) - 1]

    def locals(self, times: np.ndarray) -> np.ndarray:
        """:meth:`local` of an array of simulated times, vectorised."""
        t = np.asarray(times, dtype=float)
        table = np.asarray([self._shift0, *self._shifts])
        index = np.searchsorted(np.asarray(self._changes, dtype=float), t, side="right")
        shifted: np.ndarray = t + table[index]
        return shifted
