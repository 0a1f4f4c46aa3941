"""Holidays and local time, judged from the history alone.

A small Thanksgiving week (``scenarios/thanksgiving_week.yaml`` scaled down): no pick,
pack, carrier pickup or delivery happens on an observed holiday or a Sunday in the local
time of the site (picks, pickups) or of the customer's region (deliveries), and deliveries
resume after the holiday. With holidays switched off the same check finds Thanksgiving
work, so it can fail.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from sim.engine.calendar import DAY, HOUR
from sim.history_frame import history_frame
from sim.run import execute
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
THANKSGIVING = date(2026, 11, 26)
SMALL = [
    "demand.orders_per_business_day=80",
    "demand_days=3",  # Monday to Wednesday
    "drain_days=8",  # to Thursday of the next week
    "master_data.customers=60",
    "master_data.products=40",
    "sites.NJ01.staffing.pickers=2",
    "sites.GA01.staffing.pickers=2",
    "sites.IL01.staffing.pickers=2",
    "sites.NV01.staffing.pickers=2",
]


def thanksgiving(*overrides: str) -> Scenario:
    return load_scenario(ROOT / "scenarios" / "thanksgiving_week.yaml", [*SMALL, *overrides])


def local_work(scenario: Scenario, frame: pd.DataFrame) -> pd.DataFrame:
    """Warehouse and carrier work with the local date and weekday of where it happened.

    Picks, packs and pickups happen at the site; out-for-delivery and delivered scans in
    the region the site serves (its only region in this scenario).
    """
    site_of = frame[frame["event"] == "carrier.tendered"].set_index(["order", "subject"])["status"]
    scans = frame[frame["event"] == "carrier.scan"]
    scans = scans[scans["status"].isin(["picked_up", "out_for_delivery", "delivered"])]
    scan_site = site_of.reindex(pd.MultiIndex.from_frame(scans[["order", "subject"]])).to_numpy()
    wms = frame[frame["event"].isin(["wms.pick_started", "wms.packed"])]
    work = pd.DataFrame(
        {
            "what": np.concatenate(
                [wms["event"].astype(str).to_numpy(), scans["status"].astype(str).to_numpy()]
            ),
            "site": np.concatenate([wms["status"].astype(str).to_numpy(), scan_site]),
            "time": np.concatenate([wms["time"].to_numpy(), scans["time"].to_numpy()]),
        }
    )
    region_of = {name: site.serves[0] for name, site in scenario.sites.items()}
    at_region = work["what"].isin(["out_for_delivery", "delivered"])
    work["place"] = np.where(at_region, work["site"].map(region_of), work["site"])
    zones = scenario.calendar.zones
    work["zone"] = work["place"].map(lambda p: zones.get(p) or zones[region_of[p]])
    instant = pd.Timestamp(scenario.start) + pd.to_timedelta(work["time"], unit="s")
    local = pd.Series(index=work.index, dtype="object")
    for zone, index in work.groupby("zone").groups.items():
        local[index] = instant[index].dt.tz_convert(str(zone)).dt.tz_localize(None)
    stamps = pd.to_datetime(local)
    work["date"] = stamps.dt.date
    work["weekday"] = stamps.dt.day_of_week
    return work


def observed_holidays(scenario: Scenario) -> set[date]:
    """The observed public holidays of the scenario's country, from the holidays library."""
    table = holidays.country_holidays(scenario.calendar.holidays.country, years=2026)
    wanted = set(scenario.calendar.holidays.observed)
    return {
        day
        for day in table
        if any(n.removesuffix(" (observed)") in wanted for n in table.get_list(day))
    }


def closed_day_work(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Work on a Sunday or an observed holiday, and all deliveries, of one run."""
    work = local_work(scenario, history_frame(execute(scenario).history))
    closed = work["date"].isin(observed_holidays(scenario)) | (work["weekday"] == 6)
    return work[closed], work[work["what"] == "delivered"]


def test_no_warehouse_or_carrier_work_on_thanksgiving_or_sunday_and_deliveries_resume() -> None:
    scenario = thanksgiving()
    assert THANKSGIVING in observed_holidays(scenario)
    closed, delivered = closed_day_work(scenario)
    assert closed.empty, closed.head()
    days = set(delivered["date"])
    assert date(2026, 11, 25) in days  # Wednesday, before the holiday
    assert date(2026, 11, 27) in days  # Friday: deliveries resume after Thanksgiving
    assert date(2026, 11, 30) in days  # and again on Monday, after the weekend
    assert not (delivered["weekday"] == 5).any()  # no Saturday delivery unless ordered


def test_the_check_finds_thanksgiving_work_when_holidays_are_off() -> None:
    closed, delivered = closed_day_work(thanksgiving("calendar.holidays.enabled=false"))
    assert set(closed["date"]) == {THANKSGIVING}
    assert {"wms.pick_started", "picked_up", "delivered"} <= set(closed["what"])
    assert THANKSGIVING in set(delivered["date"])


def small_week(*overrides: str) -> Scenario:
    return load_scenario(
        ROOT / "scenarios" / "baseline.yaml",
        [*SMALL[:1], "demand_days=2", "drain_days=1", *SMALL[3:], *overrides],
    )


def first_pick_on_tuesday(scenario: Scenario) -> dict[str, float]:
    frame = history_frame(execute(scenario).history)
    picks = frame[(frame["event"] == "wms.pick_started") & (frame["time"] >= DAY + 6 * HOUR)]
    first = picks.groupby("status", observed=True)["time"].min()
    return {str(k): float(v) for k, v in first.items()}


def test_a_west_coast_shift_starts_three_hours_after_an_east_coast_one() -> None:
    """Tuesday 2026-10-20: 06:00 EDT is 10:00 UTC, 06:00 PDT is 13:00 UTC.

    Orders taken overnight wait for the morning shift, so each site's first pick of the
    day starts when its shift opens in local time.
    """
    first = first_pick_on_tuesday(small_week())
    assert first["NJ01"] == DAY + 10 * HOUR
    assert first["GA01"] == DAY + 10 * HOUR  # also Eastern
    assert first["IL01"] == DAY + 11 * HOUR  # Central
    assert first["NV01"] == DAY + 13 * HOUR
    assert first["NV01"] - first["NJ01"] == 3 * HOUR
    utc = first_pick_on_tuesday(small_week("calendar.local_time=false"))
    assert utc["NV01"] == utc["NJ01"] == DAY + 6 * HOUR  # off switch: every shift in UTC


def test_the_erp_and_each_site_keep_their_own_batch_schedule_in_local_time() -> None:
    """The nightly billing run starts at 22:00 head-office time (New York), a west-coast
    site's manifest closes at 18:00 Los Angeles time: in UTC they are hours apart."""
    from sim.run import execute
    from sim.scenario import load_scenario

    result = execute(
        load_scenario(
            "scenarios/baseline.yaml",
            ["demand_days=1", "drain_days=2", "demand.orders_per_business_day=150"],
        ),
        seed=3,
    )
    started = [
        r for r in result.history.select("erp.batch_started") if r["status"] == "billing_run"
    ]
    # 2026-10-19 is in daylight saving time: New York is UTC-4
    assert started and {round((float(r["time"]) / 3600) % 24, 2) for r in started} == {2.0}
    manifests = result.history.select("carrier.manifest_transmitted")
    hours = {str(r["status"]): round((float(r["time"]) / 3600) % 24, 2) for r in manifests}
    assert hours["NJ01"] == 22.0 and hours["NV01"] == 1.0  # 18:00 EDT and 18:00 PDT
