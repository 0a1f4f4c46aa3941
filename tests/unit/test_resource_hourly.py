"""Utilisation and queue per hour, orders accepted and retries per hour, from a hand-written
history with known answers."""

from __future__ import annotations

import math

import pytest

from sim.history_frame import history_frame
from sim.utilisation import hourly_resources, resource_series
from tests.helpers import Writer

HOUR = 3600.0


def _history() -> Writer:
    w = Writer()
    w(0.0, "pool.declared", value=2.0, actor="pool:erp.dialog")
    w(0.0, "pool.member", status="erp.dialog", value=16.0, actor="endpoint:erp.create_order")
    # one create held a process over [1800, 5400] after waiting [0, 1800]
    w(
        5400.0,
        "endpoint.call",
        status="ok",
        value=1800.0,
        value2=3600.0,
        actor="endpoint:erp.create_order",
    )
    w(0.0, "bus.subscribed", status="erp.events", value=1.0, actor="subscriber:crm")
    w(100.0, "crm.quote_accepted", order=1)
    w(3700.0, "crm.order_placed", order=2)
    w(3800.0, "crm.order_placed", order=3)
    w(4000.0, "integration.retry", order=1, actor="retry:erp.orders")
    return w


def test_each_hour_has_its_busy_share_queue_arrivals_and_retries() -> None:
    frame = history_frame(_history().history)
    hourly = hourly_resources(frame, 2 * HOUR)
    assert hourly.utilisation("erp.dialog") == pytest.approx([1800 / 7200, 1800 / 7200])
    assert hourly.mean_queue("erp.dialog") == pytest.approx([0.5, 0.0])
    series = resource_series(frame, hourly)
    assert series["time_h"] == [0.0, 1.0]
    assert series["accepted"] == [1.0, 2.0]
    assert series["retries"] == [0.0, 1.0]
    assert series["utilisation"]["erp.dialog"] == [0.25, 0.25]
    assert series["queue"]["erp.dialog"] == [0.5, 0.0]
    assert series["utilisation"]["subscriber:crm"] == [0.0, 0.0]
    assert series["queue"]["subscriber:crm"] == [0.0, 0.0]  # it was owed no copy


def test_a_last_hour_cut_short_is_measured_on_its_own_length() -> None:
    frame = history_frame(_history().history)
    hourly = hourly_resources(frame, 1.5 * HOUR)
    # [3600, 5400] is busy for all of the last half hour
    assert hourly.utilisation("erp.dialog")[-1] == pytest.approx(1800 / (2 * 1800))
    assert math.isclose(hourly.widths[-1], 1800.0)
