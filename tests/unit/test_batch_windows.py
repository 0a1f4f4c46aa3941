"""The ERP's scheduled batch jobs: billing due-list runs and nightly backorder rescheduling.

Each test runs the mechanism on a hand-built ERP (Constant times, so every instant is
exact; simulated time 0 is a Monday 00:00) and, with the job switched off, shows the
immediate behaviour instead. Run times come from :class:`BatchSchedule` through the
ERP's :class:`WorkCalendar`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest

from mock_systems.erp import BackorderRescheduling, BillingRuns, Erp, ReplenishmentPolicy
from sim.engine import Constant, RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar
from sim.engine.schedule import BatchSchedule, next_start
from tests.helpers import at
from tests.unit.test_erp_rules import (
    ALLOCATION_1,
    _ship_one,
    erp_config,
    order_of,
    request,
    rows,
    standard_erp,
)

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
NIGHTLY = BatchSchedule(times_h=(22.0,), weekdays=(0, 1, 2, 3, 4, 5, 6))


# ---------------------------------------------------------------------------- schedule


def test_next_start_is_the_next_scheduled_time_on_a_scheduled_day() -> None:
    calendar = WorkCalendar(MONDAY)
    waves = BatchSchedule(times_h=(6.0, 8.0, 20.0)).windows()  # Monday to Friday
    assert next_start(calendar, waves, 0.0) == 6 * HOUR
    assert next_start(calendar, waves, 6 * HOUR) == 8 * HOUR  # the 06:00 start is now
    assert next_start(calendar, waves, 7 * HOUR) == 8 * HOUR
    assert next_start(calendar, waves, 21 * HOUR) == DAY + 6 * HOUR
    friday_night = 4 * DAY + 20 * HOUR
    assert next_start(calendar, waves, friday_night) == 7 * DAY + 6 * HOUR  # Monday


def test_a_schedule_refuses_unordered_or_impossible_times() -> None:
    with pytest.raises(ValueError, match="ascending"):
        BatchSchedule(times_h=(8.0, 6.0))
    with pytest.raises(ValueError, match="hours of the day"):
        BatchSchedule(times_h=(24.0,))


# ---------------------------------------------------------------------------- billing


def _billing(enabled: bool) -> BillingRuns:
    return BillingRuns(
        enabled=enabled, schedule=NIGHTLY, setup_s=60.0, seconds_per_document=2.0, package_size=2
    )


def test_a_billing_run_posts_the_due_deliveries_at_night_in_packages() -> None:
    """Goods issued at 01:00 wait in the due list for the 22:00 run; 3 deliveries, packages
    of 2: the run takes 60 s to select, then posts 2 invoices after 4 s, 1 after 2 s more.

    Each API has its own servers here (no shared work processes), so the three goods issues
    at 01:00 are served at once and the instants are exact."""
    config = erp_config(billing_runs=_billing(True), work_processes={"shared": False})
    run, erp = standard_erp(config, on_hand=100)
    for ref in (1, 2, 3):
        at(run, 0.0, partial(erp.create_order, request(ref), f"k{ref}"))
    run.sim.run(until=ALLOCATION_1 + 1)
    for ref in (1, 2, 3):
        (delivery,) = order_of(erp, ref).deliveries
        at(run, HOUR, partial(erp.post_goods_issue, delivery, "1Z"))
    run.sim.run(until=22 * HOUR - 1)
    assert erp.invoices == {}
    due = rows(run, "erp.billing_due")
    assert [(r["time"], r["order"]) for r in due] == [(HOUR + 1.0, ref) for ref in (1, 2, 3)]
    run.sim.run(until=DAY)
    posted = rows(run, "erp.invoice_posted")
    night = 22 * HOUR + 60.0
    assert [(r["time"], r["order"]) for r in posted] == [
        (night + 4.0, 1),
        (night + 4.0, 2),
        (night + 6.0, 3),
    ]
    assert [inv.posted_at for inv in erp.invoices.values()] == [night + 4.0] * 2 + [night + 6.0]
    (started,) = rows(run, "erp.batch_started")
    (finished,) = rows(run, "erp.batch_finished")
    assert (started["time"], started["status"], started["value"]) == (
        22 * HOUR,
        "billing_run",
        3.0,
    )
    assert (finished["time"], finished["value"], finished["value2"]) == (night + 6.0, 3.0, 66.0)


def test_without_billing_runs_the_invoice_posts_at_goods_issue() -> None:
    run, erp, delivery = _ship_one(erp_config(billing_runs=_billing(False)))
    at(run, HOUR, lambda: erp.post_goods_issue(delivery, "1Z"))
    run.sim.run(until=2 * DAY)
    assert [r["time"] for r in rows(run, "erp.invoice_posted")] == [HOUR + 1.0]
    assert rows(run, "erp.billing_due") == [] and rows(run, "erp.batch_started") == []


def test_a_delivery_due_during_a_run_waits_for_the_next_one() -> None:
    run, erp, delivery = _ship_one(erp_config(billing_runs=_billing(True)))
    at(run, 22 * HOUR + 30.0, lambda: erp.post_goods_issue(delivery, "1Z"))  # while selecting
    run.sim.run(until=2 * DAY)
    assert [r["time"] for r in rows(run, "erp.invoice_posted")] == [DAY + 22 * HOUR + 62.0]


# ---------------------------------------------------------------------------- backorders


def _backordered(rescheduling: bool) -> tuple[RunEnvironment, Erp]:
    """A backorder of 8 with no stock; 28 units are received at 2800 s (Monday 00:46)."""
    config = erp_config(
        replenishment=ReplenishmentPolicy(
            review_interval_s=1800.0, lead_time=Constant(value=1000.0)
        ),
        backorder_rescheduling=BackorderRescheduling(
            enabled=rescheduling,
            schedule=BatchSchedule(times_h=(2.0,), weekdays=(0, 1, 2, 3, 4, 5, 6)),
            setup_s=60.0,
            seconds_per_document=1.0,
        ),
    )
    run, erp = standard_erp(config, on_hand=0, reorder_point=5, order_up_to=20)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    return run, erp


def test_nightly_rescheduling_releases_the_backorder_at_the_run_not_after_the_receipt() -> None:
    run, erp = _backordered(rescheduling=True)
    run.sim.run(until=HOUR + 30 * 60)  # two allocation runs after the 2800 s receipt
    order = order_of(erp, 1)
    assert [r["time"] for r in rows(run, "erp.goods_receipt")] == [2800.0]
    assert order.status == "BACKORDERED" and order.deliveries == []
    run.sim.run(until=DAY)
    (allocated,) = rows(run, "erp.inventory_allocated")
    assert allocated["time"] == 2 * HOUR + 61.0  # 02:00 + 60 s setup + 1 s per backorder
    assert order.status == "ALLOCATED"
    (started,) = rows(run, "erp.batch_started")
    assert (started["time"], started["status"], started["value"]) == (
        2 * HOUR,
        "backorder_rescheduling",
        1.0,
    )


def test_without_rescheduling_the_backorder_is_released_by_the_run_after_the_receipt() -> None:
    run, _ = _backordered(rescheduling=False)
    run.sim.run(until=DAY)
    (allocated,) = rows(run, "erp.inventory_allocated")
    assert allocated["time"] == 3600.0 + 60.0  # the allocation run after the receipt
    assert rows(run, "erp.batch_started") == []


def test_rescheduling_serves_the_oldest_backorder_first() -> None:
    """Two backorders of 8, 10 units received: the older order gets its 8 at the run."""
    config = erp_config(
        replenishment=ReplenishmentPolicy(review_interval_s=DAY, lead_time=Constant(value=1.0)),
        backorder_rescheduling=BackorderRescheduling(
            schedule=BatchSchedule(times_h=(2.0,), weekdays=(0, 1, 2, 3, 4, 5, 6))
        ),
    )
    run, erp = standard_erp(config, on_hand=0)
    at(run, 10.0, lambda: erp.create_order(request(2, (("M1", 8, 10.0),)), "k2"))
    at(run, 5.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    run.sim.run(until=HOUR)
    erp.inventory.stock[("NJ01", "M1")].on_hand = 10  # a receipt outside the allocation run
    run.sim.run(until=DAY)
    allocated = rows(run, "erp.inventory_allocated")
    assert [(r["order"], r["value"]) for r in allocated] == [(1, 8.0), (2, 2.0)]
