"""Local calendars: time zones with daylight saving time, public holidays, service days.

The run starts Monday 2026-10-19 00:00 UTC (New York is on EDT, UTC-4, until Sunday
2026-11-01; Los Angeles on PDT, UTC-7). Thanksgiving is Thursday 2026-11-26.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pydantic import ValidationError

from mock_systems.carrier import Booking, Carrier, CarrierConfig, CarrierScan
from mock_systems.desk import Desk, DeskConfig
from sim.engine import Constant, EndpointSpec, RunEnvironment
from sim.engine.calendar import DAY, HOUR, WeeklyWindow, WorkCalendar
from sim.scenario import Scenario
from sim.scenario.calendars import ORDER_DESK, CalendarSettings, build_calendar
from tests.helpers import at

START = datetime(2026, 10, 19, tzinfo=UTC)
SHIFT = (WeeklyWindow(start_hour=6, end_hour=22, weekdays=(0, 1, 2, 3, 4)),)
THANKSGIVING = date(2026, 11, 26)
NEW_YORK = "America/New_York"
OUT, DONE = "out_for_delivery", "delivered"


def test_a_local_shift_opens_at_the_local_hour_before_and_after_dst_ends() -> None:
    east = WorkCalendar(START, NEW_YORK)
    west = WorkCalendar(START, "America/Los_Angeles")
    friday, monday = 4 * DAY, 14 * DAY  # Friday 10-23 (EDT), Monday 11-02 (EST), 00:00 UTC
    # from local midnight on, each shift opens at 06:00 local
    assert east.next_open(friday + 4 * HOUR, SHIFT) == friday + 10 * HOUR  # 06:00 EDT
    assert west.next_open(friday + 7 * HOUR, SHIFT) == friday + 13 * HOUR  # 06:00 PDT
    assert east.next_open(monday + 5 * HOUR, SHIFT) == monday + 11 * HOUR  # 06:00 EST
    assert east.is_open(friday, SHIFT) and not east.is_open(friday + 3 * HOUR, SHIFT)
    assert east.window_end(monday + 12 * HOUR, SHIFT) == monday + 27 * HOUR  # 22:00 EST
    assert east.weekday(monday + 3 * HOUR) == 6  # 22:00 Sunday in New York
    assert east.hour_of_day(monday + 11 * HOUR) == pytest.approx(6.0)


def test_local_fields_agree_with_zoneinfo() -> None:
    calendar = WorkCalendar(START, "America/Chicago", [THANKSGIVING])
    times = np.random.default_rng(1).uniform(0, 60 * DAY, 500)
    weekday, hour, holiday = calendar.local_fields(times)
    tz = ZoneInfo("America/Chicago")
    for t, w, h, off in zip(times, weekday, hour, holiday, strict=True):
        local = (START + timedelta(seconds=float(t))).astimezone(tz)
        assert w == local.weekday() == calendar.weekday(float(t))
        seconds = local.second + local.microsecond / 1e6
        assert h == pytest.approx(local.hour + local.minute / 60 + seconds / 3600, abs=1e-6)
        assert off == (local.date() == THANKSGIVING) == calendar.is_holiday(float(t))
        assert calendar.local_date(float(t)) == local.date()


def test_no_window_opens_on_a_holiday_and_work_waits_for_the_next_one() -> None:
    calendar = WorkCalendar(START, NEW_YORK, [THANKSGIVING])
    wednesday_night = 38 * DAY + 3 * HOUR  # Wednesday 11-25 22:00 EST
    thursday_noon = 38 * DAY + 17 * HOUR  # Thursday 11-26 12:00 EST
    friday_six = 39 * DAY + 11 * HOUR
    assert not calendar.is_open(thursday_noon, SHIFT)
    assert calendar.window_end(thursday_noon, SHIFT) == thursday_noon
    assert calendar.next_open(wednesday_night, SHIFT) == friday_six
    assert calendar.next_open(thursday_noon, SHIFT) == friday_six
    no_holidays = WorkCalendar(START, NEW_YORK)
    assert no_holidays.next_open(wednesday_night, SHIFT) == friday_six - DAY


def test_service_days_skip_the_weekend_and_holidays() -> None:
    calendar = WorkCalendar(START, NEW_YORK, [THANKSGIVING])
    weekdays = frozenset(range(5))
    wednesday = 37 * DAY + 21 * HOUR  # 16:00 EST
    # one business day after Wednesday is Friday (Thursday is Thanksgiving), two is Monday
    assert calendar.local_date(calendar.nth_day_after(wednesday, 1, weekdays)) == date(2026, 11, 27)
    assert calendar.local_date(calendar.nth_day_after(wednesday, 2, weekdays)) == date(2026, 11, 30)
    monday_midnight = calendar.nth_day_after(wednesday, 2, weekdays)
    assert calendar.hour_of_day(monday_midnight) == 0.0


# ---------------------------------------------------------------------- carrier service days


def carrier(
    saturday: bool = False, business_days: bool = True, transit: float = 1.0
) -> tuple[RunEnvironment, Carrier, list[CarrierScan]]:
    run = RunEnvironment(3)
    config = CarrierConfig(
        tender=EndpointSpec(service_time=Constant(value=1.0)),
        hub_departure=Constant(value=5 * HOUR),
        transit_days=Constant(value=transit),
        out_for_delivery_to_delivered=Constant(value=3 * HOUR),
        feed="webhook",
        webhook_latency=Constant(value=5.0),
        saturday_delivery=saturday,
        transit_in_business_days=business_days,
    )
    east = WorkCalendar(START, NEW_YORK, [THANKSGIVING])
    calendar = WorkCalendar(START, places={"NJ01": east, "northeast": east})
    system = Carrier(run, config, calendar)
    scans: list[CarrierScan] = []

    def consumer() -> Generator[Any, Any, None]:
        while True:
            scans.append((yield from system.feed.take()))

    run.sim.process(consumer())
    return run, system, scans


def delivered_on(scans: list[CarrierScan], calendar: WorkCalendar) -> date:
    (delivered,) = [s.occurred_at for s in scans if s.code == "delivered"]
    return calendar.local_date(delivered)


def ship_on(tendered_at: float, **options: Any) -> date:
    run, system, scans = carrier(**options)
    at(run, tendered_at, lambda: system.tender(Booking("80000001", 1, 101, "NJ01", "northeast", 1)))
    run.sim.run(until=tendered_at + 10 * DAY)
    picked = [s.occurred_at for s in scans if s.code == "picked_up"]
    east = system.calendar.at("NJ01")
    assert len(picked) == 1 and 16 <= east.hour_of_day(picked[0]) < 18  # local pickup window
    return delivered_on(scans, east)


FRIDAY = 4 * DAY + 14 * HOUR  # Friday 10-23, 10:00 EDT


def test_ground_transit_counts_business_days_and_saturday_is_an_option() -> None:
    assert ship_on(FRIDAY) == date(2026, 10, 26)  # one business day after Friday: Monday
    assert ship_on(FRIDAY, saturday=True) == date(2026, 10, 24)
    assert ship_on(FRIDAY, transit=2.0) == date(2026, 10, 27)  # Tuesday
    # off switch: two calendar days after Friday is Sunday, so the next window, Monday
    assert ship_on(FRIDAY, transit=2.0, business_days=False) == date(2026, 10, 26)
    wednesday = 37 * DAY + 14 * HOUR  # Wednesday 11-25 before Thanksgiving
    assert ship_on(wednesday) == date(2026, 11, 27)


def test_delivery_windows_never_open_on_sunday_and_saturday_needs_the_option() -> None:
    with pytest.raises(ValidationError, match="Sunday"):
        CarrierConfig(delivery_windows=(WeeklyWindow(start_hour=7, end_hour=9, weekdays=(6,)),))
    with pytest.raises(ValidationError, match="saturday_delivery"):
        CarrierConfig(delivery_windows=(WeeklyWindow(start_hour=7, end_hour=9, weekdays=(5,)),))
    assert 5 in CarrierConfig(saturday_delivery=True).delivery_days()[0].weekdays
    assert 5 not in CarrierConfig().delivery_days()[0].weekdays


# ---------------------------------------------------------------------- configuration


def scenario(**calendar: Any) -> Scenario:
    return Scenario.model_validate({"name": "c", "calendar": calendar})


def test_defaults_observe_thanksgiving_in_each_region_local_zone() -> None:
    sites = {name: site.serves for name, site in scenario().sites.items()}
    calendar = build_calendar(CalendarSettings(), START, sites)
    assert calendar.at("NV01").zone == "America/Los_Angeles"
    assert calendar.at("IL01").zone == "America/Chicago"
    assert calendar.at(ORDER_DESK).zone == NEW_YORK
    assert THANKSGIVING in calendar.at("GA01").holidays
    assert date(2026, 12, 25) in calendar.at("west").holidays
    assert date(2026, 11, 11) not in calendar.at("west").holidays  # Veterans Day: open
    assert calendar.zone == "UTC" and not calendar.holidays  # the run's own calendar
    off = CalendarSettings(local_time=False, holidays={"enabled": False})
    plain = build_calendar(off, START, sites)
    assert plain.at("NV01").zone == "UTC" and not plain.at("NV01").holidays


def test_observed_day_of_a_weekend_holiday_closes_too() -> None:
    sites = {"NJ01": ("northeast",)}
    calendar = build_calendar(CalendarSettings(), datetime(2027, 6, 1, tzinfo=UTC), sites)
    assert date(2027, 7, 5) in calendar.at("NJ01").holidays  # July 4th 2027 is a Sunday


def test_a_region_without_a_time_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"regions with no time zone \(calendar.zones\)"):
        scenario(zones={"northeast": NEW_YORK, "south": NEW_YORK, "midwest": "America/Chicago"})
    with pytest.raises(ValidationError, match="west: 'America/Nowhere' is not an IANA"):
        scenario(zones={"west": "America/Nowhere"})
    with pytest.raises(ValidationError, match="not public holidays of US"):
        scenario(holidays={"observed": ["Boxing Day"]})
    with pytest.raises(ValidationError, match="no public holiday calendar for country"):
        scenario(holidays={"country": "XX"})
    with pytest.raises(ValidationError, match=r"calendar\.order_desk names"):
        scenario(order_desk="mars")


def test_a_late_drawn_delivery_ends_with_the_drivers_route() -> None:
    def delivered_hour(route_end: float) -> float:
        run = RunEnvironment(3)
        config = CarrierConfig(
            tender=EndpointSpec(service_time=Constant(value=1.0)),
            hub_departure=Constant(value=5 * HOUR),
            transit_days=Constant(value=1.0),
            out_for_delivery_to_delivered=Constant(value=20 * HOUR),  # past any route's end
            feed="webhook",
            route_end_hour=route_end,
        )
        east = WorkCalendar(START, NEW_YORK)
        system = Carrier(run, config, WorkCalendar(START, places={"northeast": east}))
        booking = Booking("80000001", 1, 101, "NJ01", "northeast", 1)
        at(run, FRIDAY - 3 * DAY, lambda: system.tender(booking))  # Tuesday
        run.sim.run(until=FRIDAY)
        (out,) = [r["value2"] for r in run.history.select("carrier.scan") if r["status"] == OUT]
        (done,) = [r["value2"] for r in run.history.select("carrier.scan") if r["status"] == DONE]
        assert east.local_date(done) == east.local_date(out) == date(2026, 10, 21)
        return east.hour_of_day(done)

    assert delivered_hour(21.0) == pytest.approx(21.0)
    assert delivered_hour(19.0) == pytest.approx(19.0)


def test_the_order_desk_keeps_its_holidays() -> None:
    run = RunEnvironment(1)
    config = DeskConfig(default_resolution_time=Constant(value=600.0), resolution_time={})
    desk = Desk(run, config, WorkCalendar(START, NEW_YORK, [THANKSGIVING]))
    wednesday_evening = 37 * DAY + 23 * HOUR  # Wednesday 11-25 18:00 EST, after the shift
    at(run, wednesday_evening, lambda: raise_item(desk))
    run.sim.run(until=40 * DAY)
    (started,) = run.history.select("desk.item_started")
    assert started["time"] == 39 * DAY + 13 * HOUR  # Friday 08:00 EST, not Thursday


def raise_item(desk: Desk) -> Generator[Any, Any, None]:
    """Raise a credit-hold item (as a process step, for :func:`at`)."""
    desk.raise_item(7, "credit_hold")
    yield from ()
