"""The ERP confirms a delivery date from ATP when it creates an order (the promise)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mock_systems.erp import DeliverySchedulingPolicy
from sim.engine.calendar import DAY, WorkCalendar
from tests.helpers import at
from tests.unit.test_erp_rules import erp_config, request, rows, standard_erp

POLICY = DeliverySchedulingPolicy(pick_pack_days=1, transit_days=2, replenishment_days=4)


def _confirm(on_hand: int, quantity: int, start: datetime | None = None) -> dict:
    run, erp = standard_erp(erp_config(scheduling=POLICY), on_hand=on_hand)
    if start is not None:
        erp.use_factory_calendar(WorkCalendar(start))
    at(run, 3600.0, lambda: erp.create_order(request(1, (("M1", quantity, 10.0),)), "k1"))
    run.sim.run(until=2 * 3600.0)
    (row,) = rows(run, "erp.delivery_confirmed")
    return row


def test_available_stock_is_promised_after_pick_pack_and_transit() -> None:
    row = _confirm(on_hand=100, quantity=8)
    assert row["status"] == "available"
    assert row["value"] == pytest.approx((0 + 1 + 2 + 1) * DAY)  # end of the third day on


def test_short_stock_waits_for_the_planning_replenishment_time() -> None:
    row = _confirm(on_hand=5, quantity=8)
    assert row["status"] == "replenishment"
    assert row["value"] == pytest.approx((0 + 1 + 2 + 4 + 1) * DAY)


def test_business_days_skip_the_weekend() -> None:
    friday = datetime(2026, 10, 23, tzinfo=UTC)
    row = _confirm(on_hand=100, quantity=8, start=friday)
    # Friday + 3 business days = Wednesday; its end is 6 days after Friday 00:00
    assert row["value"] == pytest.approx(6 * DAY)


def test_confirmation_can_be_switched_off() -> None:
    run, erp = standard_erp(erp_config(scheduling=POLICY.model_copy(update={"enabled": False})))
    at(run, 0.0, lambda: erp.create_order(request(1), "k1"))
    run.sim.run(until=10.0)
    assert rows(run, "erp.order_created") and not rows(run, "erp.delivery_confirmed")
