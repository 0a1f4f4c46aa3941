"""Simulated seconds to calendar time, and weekly working windows.

A run starts at a calendar instant (``start``, e.g. Monday 00:00 UTC); simulated time is
seconds since then. Shifts, business hours and pickup times are weekly windows given in
hours of the day on chosen weekdays (0 = Monday).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    """Maps simulated seconds to weekday and hour, and finds the next open window."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        self._offset = (start - midnight).total_seconds() + start.weekday() * DAY
        self._openings: dict[tuple[WeeklyWindow, ...], list[float]] = {}

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

    def week_seconds(self, t: float) -> float:
        """Seconds since the Monday 00:00 before ``t``."""
        return (t + self._offset) % WEEK

    def weekday(self, t: float) -> int:
        """0 = Monday ... 6 = Sunday at simulated time ``t``."""
        return int(self.week_seconds(t) // DAY)

    def hour_of_day(self, t: float) -> float:
        """Fractional hour of the day at ``t``."""
        return (self.week_seconds(t) % DAY) / HOUR

    def to_datetime(self, t: float) -> datetime:
        """The calendar instant of simulated time ``t``."""
        return self.start + timedelta(seconds=t)

    def is_open(self, t: float, windows: tuple[WeeklyWindow, ...]) -> bool:
        """True if ``t`` falls in one of ``windows``."""
        day = self.weekday(t)
        hour = self.hour_of_day(t)
        return any(day in w.weekdays and w.start_hour <= hour < w.end_hour for w in windows)

    def next_open(self, t: float, windows: tuple[WeeklyWindow, ...]) -> float:
        """The earliest time at or after ``t`` inside one of ``windows``."""
        if not windows:
            raise ValueError("no windows given")
        if self.is_open(t, windows):
            return t
        into_week = self.week_seconds(t)
        openings = self._weekly_openings(windows)
        return t - into_week + openings[bisect_left(openings, into_week)]

    def window_end(self, t: float, windows: tuple[WeeklyWindow, ...]) -> float:
        """End of the window containing ``t`` (``t`` itself if none contains it)."""
        day = self.weekday(t)
        hour = self.hour_of_day(t)
        day_start = t - (self.week_seconds(t) % DAY)
        ends = [
            day_start + w.end_hour * HOUR
            for w in windows
            if day in w.weekdays and w.start_hour <= hour < w.end_hour
        ]
        return max(ends) if ends else t
