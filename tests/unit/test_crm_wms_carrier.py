"""Unit tests of the mock CRM, WMS and carrier, with Constant timings so instants are exact.

The run starts Monday 2026-11-23 00:00 UTC, so t = d * DAY + h * HOUR is weekday d at h:00.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

import pytest

from mock_systems.carrier import (
    Booking,
    Carrier,
    CarrierConfig,
    CarrierScan,
    ManifestCloseout,
    PickupCutoff,
)
from mock_systems.crm import Account, Crm, CrmConfig, QuoteAccepted
from mock_systems.wms import PickRelease, ShipConfirm, SiteStaffing, WaveRelease, Wms, WmsConfig
from sim.engine import CallResult, Constant, EndpointSpec, RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar
from tests.helpers import at

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def rows(run: RunEnvironment, event: str) -> list[dict[str, Any]]:
    return run.history.select(event)


def collect(run: RunEnvironment, mailbox: Any) -> list[tuple[float, Any]]:
    """Drain a mailbox in a process, noting when each item arrived."""
    got: list[tuple[float, Any]] = []

    def consumer() -> Generator[Any, Any, None]:
        while True:
            item = yield from mailbox.take()
            got.append((run.now, item))

    run.sim.process(consumer())
    return got


# ---------------------------------------------------------------------------- CRM


def make_crm(licences: int = 150, service: float = 0.5) -> tuple[RunEnvironment, Crm]:
    run = RunEnvironment(1)
    config = CrmConfig(
        enterprise_licences=licences,
        api=EndpointSpec(service_time=Constant(value=service), concurrency=25),
    )
    crm = Crm(run, config)
    crm.add_account(Account("001A", "Acme", "northeast", "100001"))
    crm.set_price("M1", 10.0)
    crm.set_price("M2", 2.5)
    crm.set_contract_price("001A", "M1", 9.0)
    return run, crm


def test_accept_quote_records_time_zero_and_emits_quote_accepted() -> None:
    run, crm = make_crm()
    quote = crm.create_quote(7, "001A", "web_shop", (("M1", 3), ("M2", 4)))
    assert [item.UnitPrice for item in quote.LineItems] == [9.0, 2.5]  # contract, then book
    assert quote.Status == "Draft" and crm.outbound.items == []

    def accept() -> Generator[Any, Any, None]:
        yield run.sim.timeout(50.0)
        crm.accept_quote(quote.Id)

    run.sim.process(accept())
    run.sim.run(until=60.0)
    assert quote.Status == "Accepted"
    assert quote.AcceptedDate == 50.0
    assert quote.Order_Status__c == "ACCEPTED"
    assert crm.outbound.items == [QuoteAccepted(quote.Id, 7, "001A", 50.0)]
    (accepted,) = rows(run, "crm.quote_accepted")
    assert accepted["time"] == 50.0 and accepted["order"] == 7
    assert accepted["status"] == "web_shop"
    assert accepted["value"] == pytest.approx(3 * 9.0 + 4 * 2.5)
    assert accepted["value2"] == 7.0
    assert [(r["order"], r["status"]) for r in rows(run, "crm.quote_region")] == [(7, "northeast")]


def test_accepting_a_quote_twice_raises_and_emits_nothing_more() -> None:
    run, crm = make_crm()
    quote = crm.create_quote(1, "001A", "edi", (("M2", 1),))
    crm.accept_quote(quote.Id)
    with pytest.raises(ValueError, match="already accepted"):
        crm.accept_quote(quote.Id)
    assert len(crm.outbound) == 1
    assert len(rows(run, "crm.quote_accepted")) == 1


def test_quote_for_unknown_account_is_refused() -> None:
    _, crm = make_crm()
    with pytest.raises(KeyError):
        crm.create_quote(1, "001NOPE", "edi", (("M1", 1),))
    assert crm.quotes == {}


def test_update_order_stores_fields_and_records_changes_only() -> None:
    run, crm = make_crm()
    quote = crm.create_quote(4, "001A", "field_sales", (("M1", 1),))
    crm.accept_quote(quote.Id)
    calls: list[tuple[float, dict[str, Any], float]] = [
        (
            10.0,
            {
                "Order_Status__c": "CREATED",
                "Order_Status_Seq__c": 1,
                "ERP_Order_Number__c": "10000000",
            },
            8.0,
        ),
        (20.0, {"Order_Status__c": "CREATED", "Order_Status_Seq__c": 2}, 19.0),  # no change
        (30.0, {"Invoice__c": (3, "POSTED")}, 29.0),
        (40.0, {"Shipment__c": (3, "IN_TRANSIT")}, 35.0),
        (50.0, {"Order_Status__c": "SHIPPED", "Shipment__c": (3, "DELIVERED")}, 45.0),
    ]
    answers = [
        at(run, when, partial(crm.update_order, quote.Id, fields, source))
        for when, fields, source in calls
    ]
    run.sim.run(until=100.0)
    assert all(box == [CallResult("ok")] for box in answers)
    assert quote.Order_Status__c == "SHIPPED"
    assert quote.Order_Status_Seq__c == 2
    assert quote.ERP_Order_Number__c == "10000000"
    assert quote.Invoice_Status__c == "POSTED" and quote.Invoices__c == {"3": "POSTED"}
    assert quote.Shipment_Status__c == {"3": "DELIVERED"}
    status_rows = rows(run, "crm.status_updated")
    assert [(r["time"], r["status"], r["value2"]) for r in status_rows] == [
        (10.5, "CREATED", 8.0),
        (50.5, "SHIPPED", 45.0),
    ]
    invoice_rows = rows(run, "crm.invoice_status_updated")
    assert [(r["time"], r["subject"], r["status"], r["value2"]) for r in invoice_rows] == [
        (30.5, 3, "POSTED", 29.0)
    ]
    shipment_rows = rows(run, "crm.shipment_updated")
    assert [(r["subject"], r["status"], r["value2"]) for r in shipment_rows] == [
        (3, "IN_TRANSIT", 35.0),
        (3, "DELIVERED", 45.0),
    ]


def test_crm_stores_whatever_it_is_sent_even_a_step_backwards() -> None:
    """Monotonic status is the integration's job: the CRM itself does not protect it."""
    run, crm = make_crm()
    quote = crm.create_quote(4, "001A", "field_sales", (("M1", 1),))
    crm.accept_quote(quote.Id)
    at(run, 1.0, lambda: crm.update_order(quote.Id, {"Order_Status__c": "SHIPPED"}, 1.0))
    at(run, 2.0, lambda: crm.update_order(quote.Id, {"Order_Status__c": "CREATED"}, 0.5))
    run.sim.run(until=5.0)
    assert quote.Order_Status__c == "CREATED"
    assert [r["status"] for r in rows(run, "crm.status_updated")] == ["SHIPPED", "CREATED"]


def test_show_validation_writes_the_verdict() -> None:
    run, crm = make_crm()
    quote = crm.create_quote(4, "001A", "field_sales", (("M1", 1),))
    answer = at(run, 3.0, lambda: crm.show_validation(quote.Id, "credit_hold"))
    run.sim.run(until=5.0)
    assert answer == [CallResult("ok")]
    assert quote.Validation_Result__c == "credit_hold"
    assert [(r["time"], r["status"]) for r in rows(run, "crm.validation_shown")] == [
        (3.5, "credit_hold")
    ]


@pytest.mark.parametrize(("licences", "allocation"), [(0, 100_000), (7, 107_000), (150, 250_000)])
def test_api_allocation_is_100k_plus_1k_per_licence_per_rolling_day(
    licences: int, allocation: int
) -> None:
    _, crm = make_crm(licences=licences)
    throttle = crm.endpoints["api"].spec.throttle
    assert throttle is not None
    assert (throttle.requests, throttle.window_s) == (allocation, 86_400.0)
    # the 25-request cap applies only to requests that have run 20 s or more
    assert (throttle.long_running_concurrent, throttle.long_running_after_s) == (25, 20.0)
    assert throttle.concurrent is None
    assert CrmConfig().api.concurrency > 25  # short requests are not capped at 25


@pytest.mark.parametrize(("service", "refused"), [(5.0, 0), (30.0, 40)])
def test_only_requests_running_20_s_or_more_count_against_the_25_cap(
    service: float, refused: int
) -> None:
    """40 requests start at once, then 40 more at 25 s: only long ones are capped.

    At 25 s, 30-second requests have all run past 20 s: 40 long-running requests are in
    flight, above the cap of 25, so every new one is refused. 5-second ones have ended.
    """
    run = RunEnvironment(1)
    crm = Crm(
        run,
        CrmConfig(api=EndpointSpec(service_time=Constant(value=service), concurrency=500)),
    )
    crm.add_account(Account("001A", "Acme", "northeast", "100001"))
    crm.set_price("M1", 10.0)
    quote = crm.create_quote(1, "001A", "field_sales", (("M1", 1),))
    for when in (0.0, 0.0, 25.0, 25.0):
        for _ in range(20):
            at(run, when, lambda: crm.show_validation(quote.Id, "OK"))
    run.sim.run()
    statuses = [r["status"] for r in rows(run, "endpoint.call")]
    assert statuses.count("throttled") == refused


def test_api_throttles_after_the_daily_allocation_and_stores_nothing() -> None:
    run, crm = make_crm(licences=0, service=0.0)
    quote = crm.create_quote(4, "001A", "field_sales", (("M1", 1),))
    crm.accept_quote(quote.Id)
    api = crm.endpoints["api"]
    outcome: dict[str, Any] = {}

    def burn_then_update() -> Generator[Any, Any, None]:
        yield run.sim.timeout(100.0)
        for _ in range(100_000):
            result = yield from api.call(4)
            assert result.ok
        outcome["refused"] = yield from crm.update_order(
            quote.Id, {"Order_Status__c": "CREATED"}, 100.0
        )
        yield run.sim.timeout(86_400.0 - 1.0)
        outcome["still"] = yield from crm.update_order(
            quote.Id, {"Order_Status__c": "CREATED"}, 100.0
        )
        yield run.sim.timeout(1.0)
        outcome["later"] = yield from crm.update_order(
            quote.Id, {"Order_Status__c": "CREATED"}, 100.0
        )

    run.sim.process(burn_then_update())
    run.sim.run()
    assert outcome["refused"] == CallResult("throttled", 86_400.0)
    assert outcome["still"].status == "throttled"
    assert outcome["still"].retry_after == pytest.approx(1.0)
    assert outcome["later"] == CallResult("ok")
    assert quote.Order_Status__c == "CREATED"
    assert [r["time"] for r in rows(run, "crm.status_updated")] == [100.0 + 86_400.0]


# ---------------------------------------------------------------------------- WMS


def make_wms(pickers: int = 1, waves: WaveRelease | None = None) -> tuple[RunEnvironment, Wms]:
    """A one-site WMS; without ``waves`` each delivery goes to the pickers as it arrives."""
    run = RunEnvironment(1)
    config = WmsConfig(
        release=EndpointSpec(service_time=Constant(value=1.0)),
        pick_time_per_line=Constant(value=60.0),
        pack_time=Constant(value=120.0),
        waves=waves or WaveRelease(enabled=False),
    )
    wms = Wms(run, config, WorkCalendar(MONDAY), {"NJ01": SiteStaffing(pickers=pickers)})
    return run, wms


def release(n: int, lines: int = 2, site: str = "NJ01") -> PickRelease:
    return PickRelease(
        f"8000000{n}", n, 100 + n, site, tuple((k, f"M{k}", 1) for k in range(1, lines + 1))
    )


def test_release_on_saturday_is_picked_monday_at_six() -> None:
    run, wms = make_wms()
    confirms = collect(run, wms.ship_confirms)
    saturday = 5 * DAY + 10 * HOUR
    answer = at(run, saturday, lambda: wms.release_pick(release(1)))
    run.sim.run(until=saturday + 60.0)
    assert answer == [True]
    assert wms.backlog("NJ01") == 0  # the picker holds it, waiting for the shift
    assert rows(run, "wms.pick_started") == []
    run.sim.run(until=8 * DAY)
    monday = 7 * DAY + 6 * HOUR
    (started,) = rows(run, "wms.pick_started")
    assert started["time"] == monday and started["order"] == 101
    (packed,) = rows(run, "wms.packed")
    assert packed["time"] == monday + 2 * 60.0 + 120.0 and packed["value"] == 240.0
    assert confirms == [
        (monday + 240.0, ShipConfirm("80000001", 1, 101, "NJ01", release(1).lines, monday + 240.0))
    ]


def test_release_inside_the_shift_is_picked_at_once() -> None:
    run, wms = make_wms()
    confirms = collect(run, wms.ship_confirms)
    tuesday_ten = DAY + 10 * HOUR
    at(run, tuesday_ten, lambda: wms.release_pick(release(1, lines=3)))
    run.sim.run(until=2 * DAY)
    assert [r["time"] for r in rows(run, "wms.pick_started")] == [tuesday_ten + 1.0]
    assert [t for t, _ in confirms] == [tuesday_ten + 1.0 + 3 * 60.0 + 120.0]


def test_picking_is_first_in_first_out_and_overtime_finishes_the_task() -> None:
    run, wms = make_wms()
    confirms = collect(run, wms.ship_confirms)
    late = 21 * HOUR + 57 * 60.0  # Monday 21:57, three minutes before the shift ends
    for n in (1, 2, 3):
        at(run, late, partial(wms.release_pick, release(n)))
    run.sim.run(until=2 * DAY)
    started = rows(run, "wms.pick_started")
    assert [r["order"] for r in started] == [101, 102, 103]
    tuesday = DAY + 6 * HOUR
    # the first task starts in the shift and runs over; the others wait for Tuesday 06:00
    assert [r["time"] for r in started] == [late + 1.0, tuesday, tuesday + 240.0]
    assert [c.delivery for _, c in confirms] == ["80000001", "80000002", "80000003"]
    assert [t for t, _ in confirms] == [late + 241.0, tuesday + 240.0, tuesday + 480.0]


def test_pickers_work_in_parallel() -> None:
    run, wms = make_wms(pickers=2)
    confirms = collect(run, wms.ship_confirms)
    ten = 10 * HOUR
    for n in (1, 2, 3):
        at(run, ten, partial(wms.release_pick, release(n)))
    run.sim.run(until=DAY)
    assert sorted(t for t, _ in confirms) == [ten + 241.0, ten + 241.0, ten + 481.0]
    pickers = [r["value"] for r in rows(run, "wms.pick_started")]
    assert sorted(pickers[:2]) == [0.0, 1.0]


def test_duplicate_release_is_acknowledged_not_requeued() -> None:
    run, wms = make_wms()
    confirms = collect(run, wms.ship_confirms)
    first = at(run, 10 * HOUR, lambda: wms.release_pick(release(1)))
    again = at(run, 10 * HOUR + 100.0, lambda: wms.release_pick(release(1)))
    run.sim.run(until=DAY)
    assert first == [True] and again == [True]
    assert len(rows(run, "wms.pick_released")) == 1
    assert [(r["order"], r["subject"]) for r in rows(run, "wms.duplicate_suppressed")] == [(101, 1)]
    assert len(confirms) == 1 and len(rows(run, "wms.pick_started")) == 1


def test_release_to_unknown_site_raises() -> None:
    run, wms = make_wms()
    failures: list[BaseException] = []

    def bad() -> Generator[Any, Any, None]:
        try:
            yield from wms.release_pick(release(1, site="XX99"))
        except KeyError as exc:
            failures.append(exc)

    run.sim.process(bad())
    run.sim.run(until=10.0)
    assert len(failures) == 1
    assert wms.released == {}


def test_release_refused_while_wms_is_down() -> None:
    run, wms = make_wms()
    wms.endpoints["release"].set_available(False)
    answer = at(run, 10 * HOUR, lambda: wms.release_pick(release(1)))
    run.sim.run(until=DAY)
    assert answer == [CallResult("unavailable")]
    assert wms.released == {} and len(wms.ship_confirms) == 0


# ---------------------------------------------------------------------------- carrier


def make_carrier(
    feed: Literal["webhook", "aggregator"] = "webhook",
    cutoff: PickupCutoff | None = None,
    manifest: ManifestCloseout | None = None,
) -> tuple[RunEnvironment, Carrier]:
    """A carrier; by default with no pickup cut-off and no manifest (scans go at once)."""
    run = RunEnvironment(3)
    config = CarrierConfig(
        pickup_cutoff=cutoff or PickupCutoff(enabled=False),
        manifest=manifest or ManifestCloseout(enabled=False),
        tender=EndpointSpec(service_time=Constant(value=1.0)),
        hub_departure=Constant(value=5 * HOUR),
        transit_days=Constant(value=2.0),
        out_for_delivery_to_delivered=Constant(value=3 * HOUR),
        feed=feed,
        webhook_latency=Constant(value=5.0),
        aggregator_poll_interval=Constant(value=3 * HOUR),
    )
    return run, Carrier(run, config, WorkCalendar(MONDAY))


def booking(n: int) -> Booking:
    return Booking(f"8000000{n}", n, 100 + n, "NJ01", "northeast", 1)


def test_tender_returns_tracking_number_and_a_repeat_gets_the_same_one() -> None:
    run, carrier = make_carrier()
    feed = collect(run, carrier.feed)
    first = at(run, 10 * HOUR, lambda: carrier.tender(booking(7)))
    again = at(run, 10 * HOUR + 60.0, lambda: carrier.tender(booking(7)))
    run.sim.run(until=7 * DAY)
    assert first == ["1Z0000000007"] and again == ["1Z0000000007"]
    assert carrier.tracking == {"80000007": "1Z0000000007"}
    assert len(rows(run, "carrier.tendered")) == 1
    assert [(r["order"], r["subject"]) for r in rows(run, "carrier.duplicate_suppressed")] == [
        (107, 7)
    ]
    assert len(feed) == 4  # one journey, not two


def test_scans_follow_the_lifecycle_in_time_and_webhook_pushes_each() -> None:
    run, carrier = make_carrier("webhook")
    feed = collect(run, carrier.feed)
    at(run, 10 * HOUR, lambda: carrier.tender(booking(1)))
    run.sim.run(until=7 * DAY)
    scans: list[CarrierScan] = [scan for _, scan in feed]
    assert [s.code for s in scans] == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    times = [s.occurred_at for s in scans]
    assert times == sorted(times) and len(set(times)) == 4
    picked, departed, out, delivered = times
    assert 16 * HOUR <= picked < 18 * HOUR  # Monday pickup window
    assert departed == pytest.approx(picked + 5 * HOUR)
    assert 2 * DAY + 7 * HOUR <= out < 2 * DAY + 9 * HOUR  # Wednesday delivery window
    assert delivered == pytest.approx(out + 3 * HOUR)
    assert len({s.event_id for s in scans}) == 4
    assert all(s.tracking_number == "1Z0000000001" and s.order_ref == 101 for s in scans)
    assert [arrived for arrived, _ in feed] == pytest.approx([t + 5.0 for t in times])
    recorded = rows(run, "carrier.scan")
    assert [(r["status"], r["value2"]) for r in recorded] == [
        (s.code, s.occurred_at) for s in scans
    ]


def test_aggregator_forwards_scans_in_batches_at_each_poll() -> None:
    run, carrier = make_carrier("aggregator")
    feed = collect(run, carrier.feed)
    at(run, 10 * HOUR, lambda: carrier.tender(booking(1)))
    at(run, 10 * HOUR, lambda: carrier.tender(booking(2)))
    run.sim.run(until=7 * DAY)
    assert len(feed) == 8
    poll = 3 * HOUR
    for arrived, scan in feed:
        assert arrived % poll == pytest.approx(0.0)  # only at poll instants
        assert 0.0 <= arrived - scan.occurred_at <= poll
    by_time: dict[float, int] = {}
    for arrived, _ in feed:
        by_time[arrived] = by_time.get(arrived, 0) + 1
    batches = rows(run, "carrier.feed_polled")
    assert sorted((r["time"], r["value"]) for r in batches) == sorted(
        (t, float(n)) for t, n in by_time.items()
    )
    assert max(by_time.values()) >= 2  # both parcels were picked up in the same window
    assert len(batches) < len(feed)
    for reference in ("80000001", "80000002"):
        mine = [s for _, s in feed if s.shipper_reference == reference]
        assert [s.code for s in mine] == [
            "picked_up",
            "in_transit",
            "out_for_delivery",
            "delivered",
        ]


def test_tender_refused_while_carrier_is_down() -> None:
    run, carrier = make_carrier()
    carrier.endpoints["tender"].set_available(False)
    answer = at(run, 10 * HOUR, lambda: carrier.tender(booking(1)))
    run.sim.run(until=7 * DAY)
    assert answer == [CallResult("unavailable")]
    assert carrier.tracking == {} and len(carrier.feed) == 0
