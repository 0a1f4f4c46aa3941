"""The plant's factory calendar: the weekdays on which replenishment runs and time counts.

SAP plans replenishment on the plant's factory calendar: MRP runs on working days and a
material's planned delivery time is given in working days, so a purchase order placed on
Friday with two days' lead time arrives on Tuesday, not on Sunday. Counting lead time in
working days, and reviewing only on them, makes the weekend a pause rather than two days
in which stock arrives with no demand to meet it.
"""

from __future__ import annotations

from sim.engine.calendar import DAY, WorkCalendar

__all__ = ["ALL_DAYS", "working_time_after"]

ALL_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
"""Every weekday working: plain calendar time."""


def working_time_after(
    calendar: WorkCalendar | None, working_days: tuple[int, ...], t: float, duration: float
) -> float:
    """The instant ``duration`` seconds of working time after ``t``.

    Only time on ``working_days`` (0 = Monday) counts; without a calendar, or with every
    day working, it is ``t + duration``.
    """
    if calendar is None or len(set(working_days)) == 7:
        return t + duration
    if not working_days:
        raise ValueError("a factory calendar needs at least one working day")
    working = set(working_days)
    while True:
        day_end = t - calendar.week_seconds(t) % DAY + DAY
        if calendar.weekday(t) in working:
            if duration <= day_end - t:
                return t + duration
            duration -= day_end - t
        t = day_end
