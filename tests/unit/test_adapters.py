"""Adapters map each system's dialect to the canonical model, at the instant it arrives.

The integration core sees only canonical objects: a ship confirmation arrives as a
``Shipment``, a carrier scan as a ``TrackingScan``, an accepted quote as an ``Order`` and an
ERP change as an ``ErpEvent`` holding a canonical ``Envelope``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mock_systems.carrier import Carrier, CarrierConfig
from mock_systems.wms import PickRelease, SiteStaffing, Wms, WmsConfig
from sim.engine import Constant, EndpointSpec, RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar
from sim.integration.adapters import CarrierAdapter, WmsAdapter
from sim.integration.canonical import ScanCode, Shipment, ShipmentLine, TrackingScan
from tests.helpers import at

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)

# ---------------------------------------------------------------------------- WMS


def test_a_ship_confirm_reaches_the_consumer_as_a_shipment_at_once() -> None:
    run = RunEnvironment(1)
    config = WmsConfig(
        release=EndpointSpec(service_time=Constant(value=1.0)),
        pick_time_per_line=Constant(value=60.0),
        pack_time=Constant(value=120.0),
    )
    wms = WmsAdapter(Wms(run, config, WorkCalendar(MONDAY), {"NJ01": SiteStaffing(pickers=1)}))
    got: list[tuple[float, Shipment]] = []
    asked: list[int] = []

    def region_of(order_ref: int) -> str:
        asked.append(order_ref)
        return "northeast"

    wms.deliver_shipments(lambda shipment: got.append((run.now, shipment)), region_of)
    lines = ((10, "M7", 3), (20, "M9", 1))
    ten = DAY + 10 * HOUR  # Tuesday 10:00, inside the shift
    at(run, ten, lambda: wms.release("80000042", 42, 142, "NJ01", lines))
    run.sim.run(until=2 * DAY)
    shipped = ten + 1.0 + 2 * 60.0 + 120.0  # release, two lines picked, packed
    assert got == [
        (
            shipped,
            Shipment(
                shipment_id="80000042",
                shipment_number=42,
                correlation_id="O00000142",
                order_ref=142,
                site="NJ01",
                region="northeast",
                lines=(
                    ShipmentLine(line_no=10, sku="M7", quantity=3),
                    ShipmentLine(line_no=20, sku="M9", quantity=1),
                ),
                shipped_at=shipped,
            ),
        )
    ]
    assert asked == [142]


def test_a_release_carries_the_delivery_keys_and_lines_to_the_wms() -> None:
    run = RunEnvironment(1)
    config = WmsConfig(release=EndpointSpec(service_time=Constant(value=1.0)))
    native = Wms(run, config, WorkCalendar(MONDAY), {"NJ01": SiteStaffing(pickers=1)})
    lines = ((1, "M1", 2),)
    answer = at(run, HOUR, lambda: WmsAdapter(native).release("80000005", 5, 105, "NJ01", lines))
    run.sim.run(until=2 * HOUR)  # Monday 02:00, before the shift: released, not yet picked
    assert answer == [True]
    assert native.released == {"80000005": PickRelease("80000005", 5, 105, "NJ01", lines)}


# ---------------------------------------------------------------------------- carrier


def make_carrier() -> tuple[RunEnvironment, CarrierAdapter]:
    run = RunEnvironment(3)
    config = CarrierConfig(
        tender=EndpointSpec(service_time=Constant(value=1.0)),
        hub_departure=Constant(value=5 * HOUR),
        transit_days=Constant(value=2.0),
        out_for_delivery_to_delivered=Constant(value=3 * HOUR),
        feed="webhook",
        webhook_latency=Constant(value=5.0),
    )
    return run, CarrierAdapter(Carrier(run, config, WorkCalendar(MONDAY)))


def shipment(number: int, order_ref: int) -> Shipment:
    return Shipment(
        shipment_id=f"8{number:07d}",
        shipment_number=number,
        correlation_id=f"O{order_ref:08d}",
        order_ref=order_ref,
        site="NJ01",
        region="northeast",
        lines=(ShipmentLine(line_no=1, sku="M1", quantity=1),),
        shipped_at=0.0,
    )


def test_a_tendered_shipment_is_booked_by_its_number_and_scans_arrive_canonical() -> None:
    run, carrier = make_carrier()
    got: list[tuple[float, TrackingScan]] = []
    carrier.deliver_scans(lambda scan: got.append((run.now, scan)))
    answer = at(run, 10 * HOUR, lambda: carrier.tender(shipment(7, 107)))
    run.sim.run(until=7 * DAY)
    assert answer == ["1Z0000000007"]  # the carrier's tracking number from the shipment number
    assert carrier.carrier.tracking == {"80000007": "1Z0000000007"}
    scans = [scan for _, scan in got]
    assert [scan.code for scan in scans] == [
        ScanCode.PICKED_UP,
        ScanCode.IN_TRANSIT,
        ScanCode.OUT_FOR_DELIVERY,
        ScanCode.DELIVERED,
    ]
    assert all(
        (scan.shipment_id, scan.order_ref, scan.tracking_number)
        == ("80000007", 107, "1Z0000000007")
        for scan in scans
    )
    assert len({scan.carrier_event_id for scan in scans}) == 4
    assert [arrived for arrived, _ in got] == pytest.approx([s.occurred_at + 5.0 for s in scans])
    assert [scan.final for scan in scans] == [False, False, False, True]
    tracked = at(run, 7 * DAY, lambda: carrier.track("1Z0000000007"))
    run.sim.run(until=8 * DAY)
    assert tracked == [tuple(scans)]  # the tracking API maps to the same canonical scans
