"""Wave picking in the WMS, and the carrier's pickup cut-off and end-of-day manifest.

Hand-built systems with Constant times; simulated time 0 is Monday 00:00. Each mechanism
is shown on, then off (the behaviour before it existed).
"""

from __future__ import annotations

from functools import partial

import pytest

from mock_systems.carrier import Carrier, ManifestCloseout, PickupCutoff
from mock_systems.wms import WaveRelease
from sim.engine import RunEnvironment
from sim.engine.calendar import DAY, HOUR
from sim.engine.schedule import BatchSchedule
from tests.helpers import at
from tests.unit.test_crm_wms_carrier import (
    booking,
    collect,
    make_carrier,
    make_wms,
    release,
    rows,
)

WAVES = WaveRelease(schedule=BatchSchedule(times_h=(6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0)))


# ---------------------------------------------------------------------------- waves


def test_deliveries_released_between_waves_start_together_at_the_next_wave() -> None:
    run, wms = make_wms(pickers=4, waves=WAVES)
    for n, when in ((1, 8.5 * HOUR), (2, 9.0 * HOUR), (3, 9.9 * HOUR)):
        at(run, when, partial(wms.release_pick, release(n)))
    run.sim.run(until=9.95 * HOUR)
    assert rows(run, "wms.pick_started") == [] and wms.backlog("NJ01") == 3
    run.sim.run(until=DAY)
    assert [r["time"] for r in rows(run, "wms.pick_started")] == [10 * HOUR] * 3
    (wave,) = rows(run, "wms.wave_released")
    assert (wave["time"], wave["status"], wave["value"]) == (10 * HOUR, "NJ01", 3.0)


def test_without_waves_each_delivery_is_picked_as_it_arrives() -> None:
    run, wms = make_wms(pickers=4)
    for n, when in ((1, 8.5 * HOUR), (2, 9.0 * HOUR), (3, 9.9 * HOUR)):
        at(run, when, partial(wms.release_pick, release(n)))
    run.sim.run(until=DAY)
    assert [r["time"] for r in rows(run, "wms.pick_started")] == [
        8.5 * HOUR + 1.0,
        9.0 * HOUR + 1.0,
        9.9 * HOUR + 1.0,
    ]
    assert rows(run, "wms.wave_released") == []


def test_a_delivery_after_the_last_wave_waits_for_the_first_wave_of_the_next_day() -> None:
    run, wms = make_wms(waves=WAVES)
    at(run, 20.5 * HOUR, lambda: wms.release_pick(release(1)))  # inside the shift
    run.sim.run(until=2 * DAY)
    assert [r["time"] for r in rows(run, "wms.pick_started")] == [DAY + 6 * HOUR]


# ---------------------------------------------------------------------------- carrier


def _carrier(cutoff: bool, manifest: bool) -> tuple[RunEnvironment, Carrier]:
    return make_carrier(
        "webhook",
        PickupCutoff(enabled=cutoff, hour=17.0),
        ManifestCloseout(enabled=manifest, schedule=BatchSchedule(times_h=(18.0,))),
    )


@pytest.mark.parametrize("cutoff", [True, False], ids=["cutoff", "no-cutoff"])
def test_a_shipment_confirmed_after_the_cutoff_leaves_with_the_next_days_truck(
    cutoff: bool,
) -> None:
    run, carrier = _carrier(cutoff=cutoff, manifest=False)
    at(run, 17.5 * HOUR, lambda: carrier.tender(booking(1)))  # pickup window 16:00-18:00
    at(run, 15.0 * HOUR, lambda: carrier.tender(booking(2)))
    run.sim.run(until=7 * DAY)
    picked = {
        r["order"]: r["value2"] for r in rows(run, "carrier.scan") if r["status"] == "picked_up"
    }
    assert 16 * HOUR <= picked[102] < 18 * HOUR  # before the cut-off: today's truck
    if cutoff:
        assert DAY + 16 * HOUR <= picked[101] < DAY + 18 * HOUR  # Tuesday's truck
    else:
        assert 17.5 * HOUR <= picked[101] < 18 * HOUR  # squeezed into Monday's window


def test_tracking_starts_with_the_end_of_day_manifest() -> None:
    """Picked up at 16:xx, the scan is held until the 18:00 close-out transmits the day's
    manifest; the tracking API knows nothing of the parcel before then."""
    run, carrier = _carrier(cutoff=True, manifest=True)
    feed = collect(run, carrier.feed)
    at(run, 10 * HOUR, lambda: carrier.tender(booking(1)))
    at(run, 11 * HOUR, lambda: carrier.tender(booking(2)))
    before = at(run, 17.9 * HOUR, lambda: carrier.track("1Z0000000001"))
    run.sim.run(until=18 * HOUR + 10.0)
    (picked,) = {r["value2"] for r in rows(run, "carrier.scan") if r["order"] == 101}
    assert 16 * HOUR <= picked < 18 * HOUR
    assert before == [()]
    assert [(arrived, scan.code) for arrived, scan in feed] == [
        (18 * HOUR + 5.0, "picked_up"),
        (18 * HOUR + 5.0, "picked_up"),
    ]
    (manifest,) = rows(run, "carrier.manifest_transmitted")
    assert (manifest["time"], manifest["status"], manifest["value"]) == (18 * HOUR, "NJ01", 2.0)
    after = at(run, 18.5 * HOUR, lambda: carrier.track("1Z0000000001"))
    run.sim.run(until=19 * HOUR)
    assert [scan.code for scan in after[0]] == ["picked_up"]


def test_without_a_manifest_each_scan_is_sent_as_it_happens() -> None:
    run, carrier = _carrier(cutoff=True, manifest=False)
    feed = collect(run, carrier.feed)
    at(run, 10 * HOUR, lambda: carrier.tender(booking(1)))
    run.sim.run(until=18 * HOUR + 10.0)
    ((arrived, scan),) = feed
    assert scan.code == "picked_up" and arrived == pytest.approx(scan.occurred_at + 5.0)
    assert arrived < 18 * HOUR
    assert rows(run, "carrier.manifest_transmitted") == []
