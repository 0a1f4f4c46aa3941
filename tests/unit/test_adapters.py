"""Adapters map each system's dialect to the canonical model, at the instant it arrives.

The integration core sees only canonical objects: a ship confirmation arrives as a
``Shipment``, a carrier scan as a ``TrackingScan``, an accepted quote as an ``Order`` and an
ERP change as an ``ErpEvent`` holding a canonical ``Envelope``.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime
from typing import Any

import pytest

from mock_systems.carrier import Carrier, CarrierConfig, ManifestCloseout
from mock_systems.crm import Account, Crm, CrmConfig
from mock_systems.erp import ChangeNotification, Erp, ErpConfig
from mock_systems.wms import PickRelease, SiteStaffing, WaveRelease, Wms, WmsConfig
from sim.engine import CallResult, Constant, EndpointSpec, RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar
from sim.integration.adapters import CarrierAdapter, CrmAdapter, ErpAdapter, ErpEvent, WmsAdapter
from sim.integration.adapters.erp import keys_only
from sim.integration.canonical import (
    Channel,
    Envelope,
    Order,
    OrderLine,
    OrderStatus,
    ScanCode,
    Shipment,
    ShipmentLine,
    TrackingScan,
    ValidationResult,
)
from tests.helpers import at

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)

# ---------------------------------------------------------------------------- CRM


def make_crm() -> tuple[RunEnvironment, Crm]:
    run = RunEnvironment(1)
    config = CrmConfig(api=EndpointSpec(service_time=Constant(value=0.5), concurrency=25))
    crm = Crm(run, config)
    crm.add_account(Account("001A", "Acme", "northeast", "100001"))
    crm.add_account(Account("001B", "Bolt", "west", "100002"))
    crm.set_price("M1", 10.0)
    crm.set_price("M2", 2.5)
    crm.set_contract_price("001B", "M1", 9.0)
    return run, crm


def accept_at(run: RunEnvironment, when: float, crm: Crm, quote_id: str) -> None:
    def accept() -> Generator[Any, Any, None]:
        yield run.sim.timeout(when)
        crm.accept_quote(quote_id)

    run.sim.process(accept())


def test_an_accepted_quote_reaches_the_consumer_as_an_order_at_once() -> None:
    run, crm = make_crm()
    adapter = CrmAdapter(crm)
    got: list[tuple[float, Order]] = []
    adapter.deliver_accepted_orders(lambda order: got.append((run.now, order)))
    first = crm.create_quote(7, "001A", "web_shop", (("M2", 4),))
    second = crm.create_quote(8, "001B", "edi", (("M1", 3), ("M2", 1)))
    accept_at(run, 50.0, crm, second.Id)
    accept_at(run, 60.0, crm, first.Id)
    run.sim.run(until=100.0)
    assert got == [
        (
            50.0,
            Order(
                correlation_id="O00000008",
                order_ref=8,
                customer_id="100002",  # the account's ERP sold-to, not its CRM id
                channel=Channel.EDI,
                region="west",
                accepted_at=50.0,
                lines=(
                    OrderLine(line_no=1, sku="M1", quantity=3, unit_price=9.0),
                    OrderLine(line_no=2, sku="M2", quantity=1, unit_price=2.5),
                ),
            ),
        ),
        (
            60.0,
            Order(
                correlation_id="O00000007",
                order_ref=7,
                customer_id="100001",
                channel=Channel.WEB_SHOP,
                region="northeast",
                accepted_at=60.0,
                lines=(OrderLine(line_no=1, sku="M2", quantity=4, unit_price=2.5),),
            ),
        ),
    ]
    assert crm.outbound.items == []  # pushed, not queued


def test_writes_by_order_reach_the_quote_the_order_came_from() -> None:
    run, crm = make_crm()
    adapter = CrmAdapter(crm)
    adapter.deliver_accepted_orders(lambda order: None)
    quote = crm.create_quote(7, "001A", "field_sales", (("M1", 1),))
    crm.accept_quote(quote.Id)
    verdict = ValidationResult(order_ref=7, ok=False, reasons=("price", "tax"), provisional=True)
    shown = at(run, 1.0, lambda: adapter.show_validation(verdict))
    written = at(
        run,
        2.0,
        lambda: adapter.update_status(
            7,
            status=OrderStatus.SHIPPED,
            source_time=1.5,
            sequence=4,
            erp_order_number="10000042",
            shipment=(3, OrderStatus.IN_TRANSIT),
            invoice=(3, "POSTED"),
        ),
    )
    run.sim.run(until=5.0)
    assert shown == [CallResult("ok")] and written == [CallResult("ok")]
    assert quote.Validation_Result__c == "price; tax (provisional)"
    assert (quote.Order_Status__c, quote.Order_Status_Seq__c) == ("SHIPPED", 4)
    assert quote.ERP_Order_Number__c == "10000042"
    assert quote.Shipment_Status__c == {"3": "IN_TRANSIT"}
    assert quote.Invoices__c == {"3": "POSTED"}


# ---------------------------------------------------------------------------- WMS


def test_a_ship_confirm_reaches_the_consumer_as_a_shipment_at_once() -> None:
    run = RunEnvironment(1)
    config = WmsConfig(
        release=EndpointSpec(service_time=Constant(value=1.0)),
        pick_time_per_line=Constant(value=60.0),
        pack_time=Constant(value=120.0),
        waves=WaveRelease(enabled=False),  # picked as it arrives, not at the next wave
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
        manifest=ManifestCloseout(enabled=False),  # each scan sent as it happens
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


# ---------------------------------------------------------------------------- ERP


def test_erp_changes_reach_the_consumer_as_events_stamped_when_pushed() -> None:
    """Each outbox notification becomes an envelope in its contract version, keyed by order."""
    run = RunEnvironment(1)
    erp = Erp(run, ErpConfig(), {"northeast": "NJ01"})
    got: list[ErpEvent] = []
    ErpAdapter(erp).deliver_events(got.append)
    allocated = ChangeNotification(
        "InventoryAllocated",
        "10000001",
        42,
        3,
        25.0,
        "ALLOCATED",
        {"delivery": "80000001", "plant": "NJ01"},
    )
    shipped = ChangeNotification(
        "ShipmentDispatched", "10000002", 43, 5, 28.0, "", {"delivery": "80000002"}, "2.0", True
    )

    def push() -> Generator[Any, Any, None]:
        yield run.sim.timeout(30.0)
        erp.outbox.put(allocated)
        yield run.sim.timeout(10.0)
        erp.outbox.put(shipped)

    run.sim.process(push())
    run.sim.run(until=60.0)
    assert got == [
        ErpEvent(
            42,
            Envelope(
                message_id="erp-000000001",
                type="InventoryAllocated",
                correlation_id="O00000042",
                source="erp",
                occurred_at=25.0,
                sent_at=30.0,
                sequence=3,
                payload={
                    "order_ref": 42,
                    "erp_order_number": "10000001",
                    "status": "ALLOCATED",
                    "delivery": "80000001",
                    "plant": "NJ01",
                },
            ),
        ),
        ErpEvent(
            43,  # the order, although contract 2.0 names its reference differently
            Envelope(
                message_id="erp-000000002",
                type="ShipmentDispatched",
                schema_version="2.0",
                correlation_id="O00000043",
                source="erp",
                occurred_at=28.0,
                sent_at=40.0,
                sequence=5,
                payload={
                    "CustomerReference": 43,
                    "SalesOrder": "10000002",
                    "KeysOnly": True,
                    "Detail": {"delivery": "80000002"},
                },
            ),
        ),
    ]
    assert not keys_only(got[0].envelope)
    assert erp.outbox.items == []  # pushed, not queued


def test_a_consumer_of_some_event_types_gets_only_those() -> None:
    run = RunEnvironment(1)
    erp = Erp(run, ErpConfig(), {"northeast": "NJ01"})
    got: list[ErpEvent] = []
    ErpAdapter(erp).deliver_events(got.append, frozenset({"OrderHeld"}))
    for n, event in enumerate(("OrderAccepted", "OrderHeld", "InventoryAllocated"), start=1):
        erp.outbox.put(ChangeNotification(event, "10000001", 42, n, 0.0, "HELD", {}))
    assert [(e.envelope.type, e.envelope.sequence) for e in got] == [("OrderHeld", 2)]
    assert got[0].envelope.message_id == "erp-000000001"  # only what is handed on is sent
