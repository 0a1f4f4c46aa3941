"""Simulated seconds to local calendar time, public holidays, and weekly working windows.

A run starts at a calendar instant (``start``, e.g. Monday 00:00 UTC); simulated time is
seconds since then. Shifts, business hours and pickup times are weekly windows given in
hours of the local day on chosen weekdays (0 = Monday).

A :class:`WorkCalendar` is one place's calendar: its IANA time zone (daylight saving time
included, through :class:`~sim.engine.zones.LocalClock`) and the local dates it keeps as
holidays (no window opens on them; work arriving then waits for the next open window).
The run's own calendar is UTC without holidays; it carries the calendars of the world's
places (regions, sites, the order desk), found with :meth:`WorkCalendar.at`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.engine.zones import LocalClock

__all__ = ["WorkCalendar", "WeeklyWindow", "DAY", "HOUR", "WEEK"]

HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY


class WeeklyWindow(BaseModel):
    """A daily window from ``start_hour`` to ``end_hour`` on the listed weekdays."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_hour: float = Field(ge=0, lt=24)
    end_hour: float = Field(gt=0, le=24)
    weekdays: tuple[int, ...] = Field(default=(0, 1, 2, 3, 4), min_length=1)

    @model_validator(mode="after")
    def _check(self) -> WeeklyWindow:
        if self.end_hour <= self.start_hour:
            raise ValueError(
                f"end_hour ({self.end_hour}) must be after start_hour ({self.start_hour})"
            )
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return self


class WorkCalendar:
    """One place's calendar: local weekday and hour, holidays, and the next open window.

    ``zone`` is an IANA time zone ("America/Chicago"); ``holidays`` the local dates on which
    no window opens; ``places`` the calendars of named places (regions, sites), returned by
    :meth:`at`. Offsets are precomputed for ``days`` days from ``start``.
    """

    def __init__(
        self,
        start: datetime,
        zone: str = "UTC",
        holidays: Iterable[date] = (),
        places: Mapping[str, WorkCalendar] | None = None,
        days: int = 400,
    ) -> None:
        self.start = start
        self.zone = zone
        self._clock = LocalClock(start, zone, days)
        monday = self._clock.monday
        self.holidays: frozenset[date] = frozenset(holidays)
        """The local dates this place keeps as holidays."""
        self._holiday_days = frozenset((d - monday).days for d in self.holidays)
        """Holidays as local day numbers (day 0 is the Monday of the first local week)."""
        self._places: dict[str, WorkCalendar] = dict(places or {})
        self._openings: dict[tuple[WeeklyWindow, ...], list[float]] = {}

    def at(self, place: str) -> WorkCalendar:
        """The calendar of ``place`` (a region or site); this one if it has none of its own."""
        return self._places.get(place, self)

    @property
    def places(self) -> dict[str, WorkCalendar]:
        """The named places' calendars."""
        return dict(self._places)

    def _weekly_openings(self, windows: tuple[WeeklyWindow, ...]) -> list[float]:
        """Sorted opening instants (seconds since Monday 00:00) over two weeks."""
        openings = self._openings.get(windows)
        if openings is None:
            openings = sorted(
                week * WEEK + day * DAY + w.start_hour * HOUR
                for week in (0, 1)
                for w in windows
                for day in w.weekdays
            )
            self._openings[windows] = openings
        return openings

    def local_seconds(self, t: float) -> float:
        """Local wall-clock seconds since the Monday 00:00 of the run's first local week."""
        return self._clock.local(t)

    def week_seconds(self, t: float) -> float:
        """Local seconds since the Monday 00:00 before ``t``."""
        return self._clock.local(t) % WEEK

    def weekday(self, t: float) -> int:
        """0 = Monday ... 6 = Sunday at simulated time ``t``, in local time."""
        return int(self.week_seconds(t) // DAY)

    def hour_of_day(self, t: float) -> float:
        """Fractional local hour of the day at ``t``."""
        return (self._clock.local(t) % DAY) / HOUR

    def local_date(self, t: float) -> date:
        """The local date at ``t``."""
        return self._clock.monday + timedelta(days=int(self._clock.local(t) // DAY))

    def is_holiday(self, t: float) -> bool:
        """True if ``t`` falls on a local date this place keeps as a holiday."""
        return int(self._clock.local(t) // DAY) in self._holiday_days

    def day_start(self, t: float) -> float:
        """Simulated time of the local midnight that begins ``t``'s local day."""
        return self._clock.simulated(self._clock.local(t) // DAY * DAY)

    def at_local_hour(self, t: float, hour: float) -> float:
        """Simulated time of local hour ``hour`` on ``t``'s local day."""
        day = self._clock.local(t) // DAY
        return self._clock.simulated(day * DAY + hour * HOUR)

    def nth_day_after(self, t: float, n: int, weekdays: frozenset[int]) -> float:
        """Local midnight of the ``n``-th day after ``t``'s day on ``weekdays``, not a holiday.

        This is how carriers count transit: business days after the pickup day.
        """
        day = int(self._clock.local(t) // DAY)
        holidays = self._holiday_days
        counted = 0
        while counted < n:
            day += 1
            if day % 7 in weekdays and day not in holidays:
                counted += 1
        return self._clock.simulated(day * DAY)

    def local_fields(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Local weekday, fractional hour and holiday flag of each simulated time, vectorised."""
        local = self._clock.locals(np.asarray(times, dtype=float))
        days = np.floor_divide(local, DAY).astype(np.int64)
        holiday = np.isin(days, np.fromiter(self._holiday_days, dtype=np.int64))
        return days % 7, (local - days * DAY) / HOUR, holiday

    def to_datetime(self, t: float) -> datetime:
        """The calendar instant of simulated time ``t``."""
        return self.start + timedelta(seconds=t)

    def is_open(self, t: float, windows: tuple[WeeklyWindow, ...]) -> bool:
        """True if ``t`` falls in one of ``windows`` on a day that is not a holiday."""
        local = self._clock.local(t)
        day = int(local // DAY)
        if day in self._holiday_days:
            return False
        weekday = day % 7
        hour = (local - day * DAY) / HOUR
        return any(weekday in w.weekdays and w.start_hour <= hour < w.end_hour for w in windows)

    def next_open(self, t: float, windows: tuple[WeeklyWindow, ...]) -> float:
        """The earliest time at or after ``t`` inside one of ``windows``, skipping holidays."""
        if not windows:
            raise ValueError("no windows given")
        if self.is_open(t, windows):
            return t
        clock = self._clock
        local = clock.local(t)
        openings = self._weekly_openings(windows)
        for _ in range(_MAX_SKIPPED_DAYS):
            into_week = local % WEEK
            opening = local - into_week + openings[bisect_left(openings, into_week)]
            day = int(opening // DAY)
            if day not in self._holiday_days:
                return max(t, clock.simulated(opening))
            local = (day + 1) * DAY  # a holiday: look from the next local midnight on
        raise ValueError(f"no open window within {_MAX_SKIPPED_DAYS} holidays of t={t}")

    def window_end(self, t: float, windows: tuple[WeeklyWindow, ...]) -> float:
        """End of the window containing ``t`` (``t`` itself if none contains it)."""
        local = self._clock.local(t)
        day = int(local // DAY)
        if day in self._holiday_days:
            return t
        weekday = day % 7
        hour = (local - day * DAY) / HOUR
        ends = [
            w.end_hour
            for w in windows
            if weekday in w.weekdays and w.start_hour <= hour < w.end_hour
        ]
        return self._clock.simulated(day * DAY + max(ends) * HOUR) if ends else t


_MAX_SKIPPED_DAYS = 366
"""Holidays :meth:`WorkCalendar.next_open` skips before it gives up (a calendar of only
holidays is a configuration error, not a reason to loop forever)."""
