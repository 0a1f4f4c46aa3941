"""Promise, allocation causes, ground-truth staleness, backlog age and exception rates,
computed from hand-written histories whose answers are known."""

from __future__ import annotations

import math

import pytest

from sim.allocation_causes import allocation_delay_by_cause, allocation_delay_causes
from sim.backlog_age import backlog_series
from sim.engine.calendar import DAY, HOUR
from sim.exception_rates import exception_rates
from sim.history_frame import history_frame
from sim.latencies import allocation_window, order_attributes
from sim.promise import delivery_promises, promise_kpis
from sim.staleness import crm_staleness, ground_truth_staleness
from tests.helpers import Writer


def _accept(w: Writer, order: int, at: float, region: str = "west", channel: str = "edi") -> None:
    w(at, "crm.quote_accepted", order, status=channel, value=100.0, value2=5)
    w(at, "crm.quote_region", order, status=region)


def test_promise_on_time_late_overdue_and_undecided() -> None:
    w = Writer()
    for order in range(5):
        _accept(w, order, 0.0, region="west" if order < 2 else "south")
    w(10.0, "erp.delivery_confirmed", 0, status="available", value=2 * DAY)
    w(10.0, "erp.delivery_confirmed", 1, status="available", value=1 * DAY)
    w(10.0, "erp.delivery_confirmed", 2, status="replenishment", value=1 * DAY)
    w(10.0, "erp.delivery_confirmed", 3, status="available", value=1 * DAY)
    w(10.0, "erp.delivery_confirmed", 4, status="available", value=9 * DAY)
    # order 0: two shipments, the last one delivered half a day before the promise ends
    w(1.0 * DAY, "carrier.scan", 0, subject=1, status="delivered", value2=1.0 * DAY)
    w(1.6 * DAY, "carrier.scan", 0, subject=2, status="delivered", value2=1.5 * DAY)
    w(1.7 * DAY, "erp.order_status", 0, status="DELIVERED")
    # order 1: delivered two days late
    w(3.1 * DAY, "carrier.scan", 1, subject=3, status="delivered", value2=3.0 * DAY)
    w(3.2 * DAY, "erp.order_status", 1, status="DELIVERED")
    # order 2: never delivered, promise passed before the end (late, censored)
    # order 3: cancelled, left out; order 4: promise after the end, undecided
    w(100.0, "erp.order_status", 3, status="CANCELLED")
    frame = history_frame(w.history)
    table = delivery_promises(frame, end=4 * DAY)
    assert sorted(table.index) == [0, 1, 2, 4]
    assert table["decided"].to_dict() == {0: True, 1: True, 2: True, 4: False}
    assert table["late"].to_dict() == {0: False, 1: True, 2: True, 4: False}
    kpis = promise_kpis(frame, 4 * DAY, order_attributes(frame))
    assert kpis["on_time_share"] == pytest.approx(1 / 3)
    assert kpis["late_orders"] == 2
    assert kpis["confirmed_after_replenishment"] == 1
    assert kpis["lateness_days"]["count"] == 2
    assert kpis["lateness_days"]["mean"] == pytest.approx((-0.5 + 2.0) / 2)
    # order 0 arrived on its promised day, order 1 two days after it
    assert kpis["promise_accuracy"] == pytest.approx(0.5)
    assert kpis["on_time_by_region"] == {"south": 0.0, "west": 0.5}


def test_allocation_delay_is_cut_into_its_causes() -> None:
    w = Writer()
    # order 0: credit hold 0-3600, backordered at 4000, allocated at 10000
    w(0.0, "erp.order_created", 0)
    w(0.0, "erp.hold_placed", 0, status="credit_hold")
    w(3600.0, "erp.hold_released", 0, status="credit_hold")
    w(4000.0, "erp.backorder_created", 0)
    w(4000.0, "erp.order_status", 0, status="BACKORDERED")
    w(10000.0, "erp.order_status", 0, status="ALLOCATED")
    # order 1: a pricing hold 0-100, then the next allocation run at 1000
    w(0.0, "erp.order_created", 1)
    w(0.0, "erp.hold_placed", 1, status="pricing_mismatch")
    w(100.0, "erp.hold_released", 1, status="pricing_mismatch")
    w(1000.0, "erp.order_status", 1, status="ALLOCATED")
    # order 2: never allocated, left out
    w(0.0, "erp.order_created", 2)
    frame = history_frame(w.history)
    table = allocation_delay_by_cause(frame, *allocation_window(frame))
    assert sorted(table.index) == [0, 1]
    assert table.loc[0].to_dict() == pytest.approx(
        {
            "total": 10000,
            "credit_review": 3600,
            "integration": 0,
            "stock_wait": 6000,
            "allocation_run": 400,
        }
    )
    assert table.loc[1].to_dict() == pytest.approx(
        {
            "total": 1000,
            "credit_review": 0,
            "integration": 100,
            "stock_wait": 0,
            "allocation_run": 900,
        }
    )
    causes = allocation_delay_causes(frame, *allocation_window(frame))
    assert causes["stock_wait"]["share"] == pytest.approx(6000 / 11000)
    assert causes["allocation_run"]["orders"] == 2


def test_ground_truth_staleness_sees_what_the_erp_learnt_late() -> None:
    w = Writer()
    w(0.0, "erp.order_status", 0, status="CREATED")
    w(0.0, "crm.status_updated", 0, status="CREATED")
    w(50.0, "carrier.scan", 0, subject=1, status="picked_up", value2=50.0)
    w(100.0, "erp.order_status", 0, status="IN_TRANSIT")
    w(100.0, "crm.status_updated", 0, status="IN_TRANSIT")
    w(900.0, "carrier.scan", 0, subject=1, status="delivered", value2=400.0)
    w(1000.0, "erp.order_status", 0, status="DELIVERED")
    w(1000.0, "crm.status_updated", 0, status="DELIVERED")
    frame = history_frame(w.history)
    # CRM always agreed with the ERP...
    assert crm_staleness(frame, 2000.0)["stale_share"] == 0.0
    truth = ground_truth_staleness(frame, 2000.0)
    # ...but was behind what happened from 50 to 100 and from 400 to 1000
    assert truth["stale_share"] == pytest.approx(650 / 1000)
    assert truth["delivered_shown_after_h_mean"] == pytest.approx(600 / 3600)


def test_backlog_counts_and_ages_orders_waiting() -> None:
    w = Writer()
    _accept(w, 0, 0.0)
    _accept(w, 1, 0.5 * HOUR)
    w(1.5 * HOUR, "erp.order_created", 1)
    w(3.0 * HOUR, "erp.order_created", 0)
    w(4.0 * HOUR, "erp.shipment_dispatched", 1, subject=1)
    frame = history_frame(w.history)
    series = backlog_series(frame, order_attributes(frame), 5 * HOUR).set_index("time_h")
    waiting = series["awaiting_erp_order.count"].to_dict()
    assert waiting == {0.0: 1, 1.0: 2, 2.0: 1, 3.0: 0, 4.0: 0, 5.0: 0}
    assert series.loc[1.0, "awaiting_erp_order.mean_age_h"] == pytest.approx(0.75)
    assert series.loc[1.0, "awaiting_erp_order.oldest_age_h"] == pytest.approx(1.0)
    assert series.loc[2.0, "awaiting_erp_order.mean_age_h"] == pytest.approx(2.0)
    shipping = series["awaiting_shipment.count"].to_dict()
    assert shipping == {0.0: 0, 1.0: 0, 2.0: 1, 3.0: 2, 4.0: 1, 5.0: 1}
    assert series.loc[5.0, "awaiting_shipment.oldest_age_h"] == pytest.approx(2.0)


def test_exceptions_per_100_orders_by_reason_region_and_channel() -> None:
    w = Writer()
    _accept(w, 0, 0.0, region="west", channel="edi")
    _accept(w, 1, 0.0, region="west", channel="web_shop")
    _accept(w, 2, 0.0, region="south", channel="edi")
    _accept(w, 3, 0.0, region="south", channel="edi")
    w(1.0, "integration.exception_raised", 0, status="pricing_mismatch")
    w(2.0, "integration.exception_raised", 1, status="erp_unavailable")
    w(3.0, "integration.exception_raised", 1, status="pricing_mismatch")
    frame = history_frame(w.history)
    rates = exception_rates(frame, order_attributes(frame))
    assert rates["total"] == pytest.approx(75.0)
    assert rates["by_reason"] == {"erp_unavailable": 25.0, "pricing_mismatch": 50.0}
    assert rates["by_region"] == {"south": 0.0, "west": 150.0}
    assert rates["by_channel"] == pytest.approx({"edi": 100 / 3, "web_shop": 200.0})
    assert rates["by_region_and_reason"]["west"] == {
        "erp_unavailable": 50.0,
        "pricing_mismatch": 100.0,
    }
    assert math.isnan(exception_rates(frame.iloc[:0], order_attributes(frame.iloc[:0]))["total"])
