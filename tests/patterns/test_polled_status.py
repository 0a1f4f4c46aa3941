"""Shipment and invoice statuses reach CRM under direct (polling) and iPaaS (bulk sync) too.

Direct polls the ERP's status query per open order; iPaaS extracts every change since its
last sync. Both now carry each delivery's tracking milestone and each invoice's status, so
``shipment_propagation_lag`` and ``invoice_sync_latency`` are measured (not censored), and
their lag comes from the poll or sync interval: a shorter interval, a shorter lag. CRM
writes stay deduplicated: a milestone or an invoice status is written once.

The world has scarce opening stock, so many orders ship in several deliveries and a poll
or an extract line carries several shipments and invoices at once.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import cache
from typing import Any

import pytest

from sim.checks import run_all
from sim.engine.calendar import HOUR
from sim.run import RunResult, execute
from sim.scenario import Scenario
from sim.world import build_world

INTERVAL = {"direct": "poll_interval_s", "ipaas": "sync_interval_s"}


def _scenario(pattern: str, interval_s: float | None = None, billing_runs: bool = True) -> Scenario:
    integration: dict[str, Any] = {"pattern": pattern}
    if interval_s is not None:
        integration[pattern] = {INTERVAL[pattern]: interval_s}
    return Scenario(
        name="light",
        seed=11,
        demand_days=0.5,
        # to the second Sunday (00:00 UTC): backordered second shipments are delivered on
        # business days only, and every scan of Friday reaches the CRM before the end
        drain_days=12.5,
        demand={"orders_per_business_day": 120},
        master_data={"customers": 40, "products": 30, "opening_cover_days": (0.5, 1.5)},
        systems={"erp": {"billing_runs": {"enabled": billing_runs}}},
        warm_start={"enabled": False},  # thin opening stock: a cold start
        integration=integration,
    )


@cache
def _run(pattern: str, interval_s: float | None = None, billing_runs: bool = True) -> RunResult:
    return execute(_scenario(pattern, interval_s, billing_runs))


def _keys(result: RunResult, event: str, status: str | None = None) -> list[tuple[int, int]]:
    return [
        (int(r["order"]), int(r["subject"]))
        for r in result.history.select(event)
        if status is None or r["status"] == status
    ]


@pytest.mark.parametrize("pattern", ["direct", "ipaas"])
def test_crm_shows_every_shipment_and_invoice(pattern: str) -> None:
    result = _run(pattern)
    verdicts = run_all(result.history)
    assert all(v.valid for v in verdicts.values()), {
        name: v.counts for name, v in verdicts.items() if not v.valid
    }
    history = result.history
    deliveries = Counter(o for o, _ in _keys(result, "erp.delivery_status", "DELIVERED"))
    assert max(deliveries.values()) >= 2  # orders with several shipments are in the test
    assert set(_keys(result, "crm.shipment_updated", "DELIVERED")) == set(
        _keys(result, "erp.delivery_status", "DELIVERED")
    )
    assert set(_keys(result, "crm.invoice_status_updated")) == set(
        _keys(result, "erp.invoice_posted")
    )
    # deduplicated: each milestone and each invoice status is written once
    for event in ("crm.shipment_updated", "crm.invoice_status_updated"):
        written = Counter((r["order"], r["subject"], r["status"]) for r in history.select(event))
        assert max(written.values()) == 1, event
    latency = result.metrics["latency_s"]
    for metric in ("shipment_propagation_lag", "invoice_sync_latency"):
        stats = latency[metric]
        assert stats["count"] > 20 and stats["censored"] == 0, metric
        assert math.isfinite(stats["mean"]) and math.isfinite(stats["p99"]), metric


@pytest.mark.parametrize(
    ("pattern", "short", "long"), [("direct", 300.0, 1800.0), ("ipaas", 600.0, 3600.0)]
)
def test_the_lag_comes_from_the_interval(pattern: str, short: float, long: float) -> None:
    # invoices post at goods issue, spread over the day: a nightly billing run posts them
    # all at one instant, whose lag to the next poll is the poll's phase, not its interval
    lags = {}
    for interval in (short, long):
        result = _run(pattern, interval, billing_runs=False)
        latency = result.metrics["latency_s"]["invoice_sync_latency"]
        assert latency["censored"] == 0
        # an invoice is shown at the first poll or sync after it is posted
        assert latency["p99"] <= interval + 120.0
        lags[interval] = latency["mean"]
    assert lags[short] < lags[long] / 2


def test_direct_polls_the_status_query_not_the_read_back() -> None:
    calls = Counter(r["actor"] for r in _run("direct").history.select("endpoint.call"))
    assert calls["endpoint:erp.order_status"] > 100
    assert calls["endpoint:erp.read_order"] == 0


def test_ipaas_counts_changes_not_yet_synced_as_pending_work() -> None:
    world = build_world(_scenario("ipaas"))
    pattern: Any = world.pattern
    erp = world.erp
    # mid-morning, between two bulk syncs: changes have happened since the last one
    world.run.sim.run(until=10 * HOUR + 1000.0)
    unsynced = erp.changes_after(pattern.bulk_sync.synced_to)
    assert unsynced > 0
    _, pending = pattern.in_flight()
    assert pending == pattern.writer.parked + unsynced
    world.run.sim.run(until=world.horizon_s)
    assert erp.changes_after(pattern.bulk_sync.synced_to) == 0
    assert pattern.in_flight() == (0, 0)
    world.record_end()
    assert run_all(world.run.history)["convergence"].note == ""


def test_direct_keeps_polling_delivered_orders_nightly_until_they_are_paid() -> None:
    # payment terms run to weeks: a long drain lets the payments arrive
    scenario = _scenario("direct").model_copy(update={"drain_days": 40})
    result = execute(scenario)
    settings = scenario.integration.direct
    wait = settings.payment_poll_interval_s + settings.poll_interval_s
    paid = set(_keys(result, "erp.payment_received"))
    # a payment is shown by the next nightly poll: all but those of the run's last day
    due = {
        (int(r["order"]), int(r["subject"]))
        for r in result.history.select("erp.payment_received")
        if float(r["time"]) <= result.horizon_s - wait
    }
    assert len(due) > 20
    shown = set(_keys(result, "crm.invoice_status_updated", "PAID"))
    assert due <= shown <= paid
    # once delivered, an order is read about once a day, not every poll interval
    delivered_at = {
        int(r["order"]): float(r["time"])
        for r in result.history.select("erp.order_status")
        if r["status"] == "DELIVERED"
    }
    reads = Counter(
        int(r["order"])
        for r in result.history.select("endpoint.call")
        if r["actor"] == "endpoint:erp.order_status"
        and int(r["order"]) in delivered_at
        and float(r["time"]) > delivered_at[int(r["order"])] + 3600.0
    )
    horizon_days = scenario.demand_days + scenario.drain_days
    assert reads and max(reads.values()) <= horizon_days + 1
