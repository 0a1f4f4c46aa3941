"""The warm start's opening state, and warm-up deletion in the metrics (small worlds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine.calendar import DAY, WeeklyWindow
from sim.history_frame import ACCEPTANCE_EVENTS, history_frame, rows
from sim.metrics import compute_metrics
from sim.scenario import Scenario
from sim.world import World, build_world


def _world(warm: dict[str, object], days: float = 2.0) -> World:
    scenario = Scenario.model_validate(
        {
            "name": "warm",
            "seed": 11,
            "demand_days": days,
            "drain_days": 0.5,
            "demand": {"orders_per_business_day": 80},
            "master_data": {"customers": 60, "products": 25},
            "warm_start": warm,
        }
    )
    world = build_world(scenario)
    world.run.sim.run(until=world.horizon_s)
    world.record_end()
    return world


@pytest.fixture(scope="module")
def warm() -> World:
    return _world({})


@pytest.fixture(scope="module")
def cold() -> World:
    return _world({"enabled": False})


def _count(world: World, event: str) -> int:
    return len(world.run.history.select(event))


def test_opening_receivables_are_paid_during_the_run(warm: World, cold: World) -> None:
    opened = warm.run.history.select("erp.receivable_opened")
    paid = warm.run.history.select("erp.receivable_paid")
    assert len(opened) > 100 and len(paid) > 0
    # paid in the order the items fall due, each when its value2 said
    due = sorted(r["value2"] for r in opened if r["value2"] <= warm.horizon_s)
    assert [r["time"] for r in paid] == pytest.approx(due)
    exposure = sum(c.exposure for c in warm.erp.customers.values())
    assert exposure > 0
    # a cold world opens no items and nothing of the opening exposure is ever paid
    assert _count(cold, "erp.receivable_opened") == 0
    assert _count(cold, "erp.receivable_paid") == 0


def test_opening_stock_has_replenishment_on_its_way(warm: World, cold: World) -> None:
    assert _count(warm, "erp.purchase_order_open") > 0
    assert _count(warm, "erp.opening_allocation") > 0
    assert _count(cold, "erp.purchase_order_open") == 0
    assert _count(cold, "erp.opening_allocation") == 0
    # open orders' stock ships (goods issue of no order) within the first day
    frame = history_frame(warm.run.history)
    opening_issues = rows(frame, "erp.goods_issue")
    opening_issues = opening_issues[opening_issues["order"] < 0]
    assert len(opening_issues) == _count(warm, "erp.opening_allocation")
    assert opening_issues["time"].max() <= DAY


def test_credit_limits_follow_volume_only_when_warm(warm: World, cold: World) -> None:
    shares = np.array([c.order_share for c in warm.workload.master_data.customers])
    limits = np.array([c.credit_limit for c in warm.erp.customers.values()])
    # limit = expected receivables (proportional to the share) x a headroom in [1.4, 2.2]
    per_share = limits / shares
    assert per_share.max() / per_share.min() <= 2.2 / 1.4 * 1.05
    seeds = [c.credit_limit for c in cold.workload.master_data.customers]
    assert [c.credit_limit for c in cold.erp.customers.values()] == seeds


@pytest.mark.parametrize("working_days", [(0, 1, 2, 3, 4), (0, 1, 2, 3, 4, 5, 6)])
def test_factory_calendar_keeps_replenishment_off_the_weekend(
    working_days: tuple[int, ...],
) -> None:
    scenario = Scenario.model_validate(
        {
            "name": "calendar",
            "seed": 11,
            "demand_days": 7,
            "drain_days": 0,
            "demand": {"orders_per_business_day": 80},
            "master_data": {"customers": 60, "products": 25},
            "systems": {"erp": {"replenishment": {"working_days": working_days}}},
        }
    )
    world = build_world(scenario)
    world.run.sim.run(until=world.horizon_s)
    frame = history_frame(world.run.history)
    moves = pd.concat([rows(frame, "erp.purchase_order"), rows(frame, "erp.goods_receipt")])
    # the weekdays of the ERP's factory calendar (the head office's local time), from the
    # first local Monday on: the warm start's purchase orders in transit at time zero
    # (Sunday evening in New York) arrive in calendar time
    erp_calendar = world.erp.calendar
    monday = erp_calendar.next_open(0.0, (WeeklyWindow(start_hour=0, end_hour=24, weekdays=(0,)),))
    later = moves["time"][moves["time"] >= monday]
    weekend = {erp_calendar.weekday(t) for t in later} & {5, 6}
    assert len(moves) > 10
    assert bool(weekend) == (len(working_days) == 7)  # calendar time: weekend receipts


def test_warmup_days_drop_the_orders_accepted_before_it(warm: World) -> None:
    history, end = warm.run.history, warm.horizon_s
    whole = compute_metrics(history, end)
    later = compute_metrics(history, end, warmup_s=DAY)
    accepted = [r["time"] for e in ACCEPTANCE_EVENTS for r in history.select(e)]
    assert whole["volume"]["orders_accepted"] == len(accepted)
    assert later["volume"]["orders_accepted"] == sum(t >= DAY for t in accepted)
    assert 0 < later["volume"]["orders_accepted"] < whole["volume"]["orders_accepted"]
    count = later["latency_s"]["order_creation_latency"]["count"]
    assert count + later["latency_s"]["order_creation_latency"]["censored"] == sum(
        t >= DAY for t in accepted
    )
