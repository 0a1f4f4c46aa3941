"""Delivery health computed from hand-written histories whose answers are known."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from mock_systems.erp import Erp
from sim.delivery_health import delivery_health, endpoint_limits, peak_in_window
from sim.engine.rate_limit import RateLimitSpec, SlidingWindowLimiter
from sim.faults import FaultTimeline
from sim.faults.timeline import FaultWindow
from sim.history_frame import history_frame
from sim.metrics import compute_metrics
from sim.report.console import print_summary
from sim.report.files import json_ready
from sim.run import RunResult, execute
from sim.scenario import load_scenario
from tests.helpers import Writer as BaseWriter

HOUR = 3600.0


class Writer(BaseWriter):
    """A history writer that also computes delivery health."""

    def health(self, end: float, limits: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The delivery health of what was written."""
        return delivery_health(history_frame(self.history), end, limits)


def test_retries_by_caller_and_exhausted_budgets() -> None:
    w = Writer()
    for t in (1.0, 2.0, 3.0):
        w(t, "integration.retry", 0, 1, "timeout", 0.5, actor="retry:erp.orders")
    w(4.0, "integration.retry", 1, 1, "throttled", 2.0, actor="retry:crm")
    w(5.0, "integration.retry_budget_exhausted", 1, 2, "throttled", actor="retry:crm")
    h = w.health(end=10.0)
    assert h["retries"] == 4
    assert h["retries_by_caller"] == {"crm": 1, "erp.orders": 3}
    assert h["retry_budget_exhausted"] == 1


def test_calls_by_endpoint_and_system_by_outcome_and_per_order() -> None:
    w = Writer()
    for order in range(4):
        w(0.0, "crm.quote_accepted", order, status="edi", value=1.0, value2=1)
    outcomes = {
        "erp.create_order": ["ok", "ok", "timeout", "late", "lost_response", "error"],
        "erp.simulate_order": ["ok", "unavailable", "throttled", "throttled"],
        "crm.api": ["ok", "ok", "interrupted"],
    }
    for endpoint, statuses in outcomes.items():
        for i, status in enumerate(statuses):
            actor = f"endpoint:{endpoint}"
            w(float(i), "endpoint.call", 0, status=status, value=0.0, value2=0.1, actor=actor)
    calls = w.health(end=100.0)["calls"]
    assert calls["by_endpoint"]["erp.create_order"] == {
        "calls": 6,
        "ok": 2,
        "timeouts": 3,
        "throttled_429": 0,
        "errors_5xx": 1,
        "unavailable": 0,
    }
    assert calls["by_endpoint"]["erp.simulate_order"]["throttled_429"] == 2
    assert calls["by_endpoint"]["erp.simulate_order"]["unavailable"] == 1
    erp = calls["by_system"]["erp"]
    assert erp["calls"] == 10 and erp["ok"] == 3 and erp["timeouts"] == 3
    assert erp["throttled_429"] == 2 and erp["errors_5xx"] == 1 and erp["unavailable"] == 1
    assert erp["calls_per_order"] == pytest.approx(10 / 4)
    # an interrupted call is a call, of no outcome column
    assert calls["by_system"]["crm"]["calls"] == 3 and calls["by_system"]["crm"]["ok"] == 2
    assert calls["by_system"]["crm"]["calls_per_order"] == pytest.approx(3 / 4)


def test_dead_letters_depth_peak_and_oldest_age_with_replays_in_between() -> None:
    w = Writer()
    a, b = "subscriber:crm-status-sync", "subscriber:fulfilment-router"
    w(5.0, "bus.dead_lettered", 1, 7, "poison", actor=a)
    w(12.0, "bus.dead_lettered", 2, 7, "unknown_schema", actor=b)  # same number, other sub
    w(15.0, "bus.dead_lettered", 1, 7, "poison", actor=a)  # a broker duplicate died too
    w(25.0, "bus.replayed", 1, 7, "poison", actor=a)  # takes the oldest: the one of 5 s
    w(30.0, "bus.replayed", 2, 7, "unknown_schema", actor=b)
    w(40.0, "bus.dead_lettered", 3, 8, "handler_failed", actor=a)
    w(45.0, "bus.dropped", 4, 9, "poison", actor=a)
    dead = w.health(end=100.0)["dead_letters"]
    assert dead["count"] == 4 and dead["replayed"] == 2 and dead["dropped"] == 1
    # depth 1, 2, 3 (at 15 s), 2, 1, 2
    assert dead["peak_depth"] == 3 and dead["depth_at_end"] == 2
    # still waiting: a#7 of 15 s and a#8 of 40 s. Matching a replay to the newest letter
    # would leave 5 s (95 s old); ignoring the subscription, 12 s (88 s old)
    assert dead["oldest_age_s"] == pytest.approx(85.0)
    assert dead["by_reason"] == {"handler_failed": 1, "poison": 2, "unknown_schema": 1}


def test_no_dead_letters_waiting_is_age_zero() -> None:
    w = Writer()
    w(5.0, "bus.dead_lettered", 1, 7, "poison", actor="subscriber:s")
    w(6.0, "bus.replayed", 1, 7, "poison", actor="subscriber:s")
    dead = w.health(end=100.0)["dead_letters"]
    assert dead["depth_at_end"] == 0 and dead["oldest_age_s"] == 0.0 and dead["peak_depth"] == 1


def test_duplicates_and_stale_suppressed_by_source() -> None:
    w = Writer()
    for status in ("duplicate", "duplicate", "stale"):
        w(1.0, "bus.discarded", 0, 3, status, actor="subscriber:crm-status-sync")
    for source in ("integration", "erp", "wms", "carrier"):
        w(2.0, f"{source}.duplicate_suppressed", 0)
    w(3.0, "integration.stale_discarded", 0)
    w(4.0, "integration.stale_discarded", 0)
    h = w.health(end=10.0)
    assert h["duplicates_suppressed_by_source"] == {
        "total": 6,
        "bus": 2,
        "integration": 1,
        "erp": 1,
        "wms": 1,
        "carrier": 1,
    }
    assert h["stale_discarded_by_source"] == {"total": 3, "bus": 1, "integration": 2}
    # the keys metrics.json always had keep their meaning
    assert h["duplicates_suppressed"] == 4 and h["stale_discarded"] == 2


def test_resilience_mechanism_counts_and_throttle_waits() -> None:
    w = Writer()
    w(1.0, "bus.published", 0, 0, "OrderAccepted", 1.0, actor="topic:erp.order-events")
    w(2.0, "bus.applied", 0, 0, "OrderAccepted", actor="subscriber:crm-status-sync")
    w(1.0, "integration.stored_for_forwarding", 0, status="timeout")
    w(1.5, "integration.stored_for_forwarding", 1, status="timeout")
    w(9.0, "integration.forwarded", 0)
    w(2.0, "integration.parked", 0, status="crm_status")
    w(3.0, "integration.unparked", 0, status="crm_status")
    w(4.0, "integration.compensated", 0, status="pricing_mismatch")
    w(5.0, "integration.compensation_refused", 1, status="pricing_mismatch")
    w(6.0, "integration.reconciled", 0, status="SHIPPED")
    w(6.0, "integration.reconciled", 1, status="SHIPPED")
    w(7.0, "integration.scan_recovered", 1, status="delivered")
    w(8.0, "integration.throttle_wait", 0, value=1.5, actor="client_limit:erp")
    w(8.0, "integration.throttle_wait", 1, value=2.5, actor="client_limit:erp")
    h = w.health(end=10.0)
    assert h["messages_published"] == 1 and h["messages_applied"] == 1
    assert h["stored_for_forwarding"] == 2
    assert h["stored_and_forwarded"] == {"stored": 2, "forwarded": 1, "forwarding_failed": 0}
    assert h["parked"] == {"parked": 1, "unparked": 1}
    assert h["compensations"] == 1 and h["compensation_refused"] == 1
    assert h["reconciled"] == 2 and h["scans_recovered"] == 1
    assert h["throttle_waits"] == {"count": 2, "total_wait_s": pytest.approx(4.0)}


def test_delivery_attempts_failed_redelivered_and_returned() -> None:
    w = Writer()

    def journey(order: int, delivery: int, *codes: str) -> None:
        for i, code in enumerate(codes):
            w(10.0 * i, "carrier.scan", order, delivery, code, value2=10.0 * i)

    first_time = ("picked_up", "in_transit", "out_for_delivery", "delivered")
    journey(1, 11, *first_time)
    journey(2, 21, *first_time)
    retried = ("picked_up", "in_transit", "out_for_delivery", "exception")
    journey(3, 31, *retried, "out_for_delivery", "delivered")
    journey(4, 41, *retried, "out_for_delivery", "exception", "exception")  # returned
    journey(5, 51, *retried)  # the run ended before the new attempt
    for order, delivery, reason, attempt in (
        (3, 31, "recipient_absent", 1),
        (4, 41, "damaged", 1),
        (4, 41, "recipient_absent", 2),
        (4, 41, "returned_to_sender", 2),
        (5, 51, "address_problem", 1),
    ):
        w(50.0, "carrier.delivery_exception", order, delivery, reason, float(attempt))
    h = w.health(end=100.0)
    assert h["delivery_exceptions"] == 4 and h["redelivery_attempts"] == 2
    assert h["delivery_attempts"] == {
        "attempts": 7,
        "failed": 4,
        "failed_by_reason": {"address_problem": 1, "damaged": 1, "recipient_absent": 2},
        "redeliveries": 2,
        "returned": 1,
        "delivered_first_attempt_share": pytest.approx(2 / 3),
    }
    assert math.isnan(
        Writer().health(end=1.0)["delivery_attempts"]["delivered_first_attempt_share"]
    )


def test_manual_touches_and_open_exceptions_with_their_oldest_age() -> None:
    w = Writer()
    for order in range(4):
        w(0.0, "crm.quote_accepted", order, status="edi", value=1.0, value2=1)
    w(100.0, "integration.exception_raised", 1, status="dead_letter")
    w(200.0, "integration.exception_raised", 2, status="pricing_mismatch")
    w(300.0, "integration.exception_raised", 1, status="dead_letter")
    w(400.0, "desk.item_resolved", 1, 1, "resubmit", value=300.0, value2=20.0)
    w(400.0, "integration.exception_resolved", 1, status="resubmit")  # the one of 100 s
    w(500.0, "desk.item_resolved", 2, 2, "cancel", value=300.0, value2=50.0)
    w(500.0, "integration.exception_resolved", 2, status="cancel")
    h = w.health(end=1000.0)
    assert h["manual_touches"] == {"count": 2, "per_100_orders": pytest.approx(50.0)}
    exceptions = h["exceptions"]
    assert exceptions["raised"] == 3 and exceptions["resolved"] == 2
    assert exceptions["open_at_end"] == 1
    assert exceptions["oldest_open_age_s"] == pytest.approx(1000.0 - 300.0)
    assert exceptions["peak_backlog"] == 3
    assert exceptions["mean_resolution_s"] == pytest.approx(300.0)


def test_no_orders_no_touch_rate() -> None:
    h = Writer().health(end=10.0)
    assert math.isnan(h["manual_touches"]["per_100_orders"])
    assert h["exceptions"]["open_at_end"] == 0 and h["exceptions"]["oldest_open_age_s"] == 0.0
    assert math.isnan(h["exceptions"]["mean_resolution_s"])


def test_peak_api_window_use_exactly_at_the_limit() -> None:
    w = Writer()
    api = "endpoint:crm.api"
    for t in (0.0, 2.0, 4.0, 6.0):
        w(t, "endpoint.call", status="ok", value=0.0, value2=0.1, actor=api)
    w(8.0, "endpoint.call", status="late", value=0.0, value2=9.0, actor=api)  # admitted
    # refused by the limit or never reaching it: not admitted, not counted
    w(8.5, "endpoint.call", status="throttled", value=0.0, value2=0.0, actor=api)
    w(9.0, "endpoint.call", status="unavailable", value=0.5, value2=0.0, actor=api)
    w(9.5, "endpoint.call", status="timeout", value=30.0, value2=0.0, actor=api)
    w(5.0, "endpoint.call", status="ok", value=0.0, value2=0.1, actor="endpoint:wms.release")
    limits = [
        {"endpoint": "crm.api", "requests": 5, "window_s": 10.0, "start_s": 0.0, "end_s": 100.0},
        {"endpoint": "crm.api", "requests": 5, "window_s": 10.0, "start_s": 0.0, "end_s": 5.0},
        {"endpoint": "crm.api", "requests": 4, "window_s": 3.0},
        {"endpoint": "erp.create_order", "requests": 10, "window_s": 60.0},
    ]
    used = w.health(end=100.0, limits=limits)["api_limit_use"]
    assert [u["peak_admitted"] for u in used] == [5, 3, 2, 0]
    assert used[0]["peak_utilisation"] == 1.0
    assert used[1]["peak_utilisation"] == pytest.approx(0.6)
    assert used[2]["peak_utilisation"] == pytest.approx(0.5)
    assert used[2]["start_s"] == 0.0 and used[2]["end_s"] == math.inf
    assert used[0]["endpoint"] == "crm.api" and used[0]["requests"] == 5
    # the engine's own limiter admits exactly these five and would refuse a sixth
    limiter = SlidingWindowLimiter(RateLimitSpec(requests=5, window_s=10.0))
    assert all(limiter.admit(t) == 0.0 for t in (0.0, 2.0, 4.0, 6.0, 8.0))
    assert limiter.admit(8.5) > 0.0


def test_peak_in_window_counts_as_the_limiter_does() -> None:
    # (t - w, t]: a call exactly one window earlier has left it
    assert peak_in_window(np.array([0.0, 10.0]), 10.0) == 1
    assert peak_in_window(np.array([0.0, 9.999]), 10.0) == 2
    assert peak_in_window(np.array([3.0, 3.0, 3.0]), 1.0) == 3
    assert peak_in_window(np.empty(0), 10.0) == 0


def test_endpoint_limits_from_the_scenario_and_throttle_windows() -> None:
    scenario = load_scenario(
        "scenarios/baseline.yaml", ["systems.wms.release.throttle={requests: 40, window_s: 60}"]
    )
    custom = {"preset": "custom", "limits": {"requests": 100, "window_s": 30}}
    timeline = FaultTimeline(
        windows=(
            FaultWindow(kind="throttle", target="erp", start_s=10.0, end_s=20.0, params=custom),
            FaultWindow(
                kind="throttle",
                target="crm.api",
                start_s=50.0,
                end_s=5_000.0,
                params={"preset": "dataverse", "users": 2},
            ),
            FaultWindow(kind="outage", target="erp", start_s=1.0, end_s=2.0),
        )
    )
    limits = endpoint_limits(scenario, timeline, horizon_s=1_000.0)
    standing = [x for x in limits if x["source"] != "fault:throttle"]
    licences = scenario.systems.crm.enterprise_licences
    allocation = 100_000 + 1_000 * licences
    assert sorted((x["endpoint"], x["requests"], x["window_s"], x["source"]) for x in standing) == [
        ("crm.api", allocation, 86_400.0, "throttle"),
        ("wms.release", 40, 60.0, "throttle"),
    ]
    assert all((x["start_s"], x["end_s"]) == (0.0, 1_000.0) for x in standing)
    faults = [x for x in limits if x["source"] == "fault:throttle"]
    erp = sorted(x["endpoint"] for x in faults if x["requests"] == 100)
    assert erp == sorted(f"erp.{op}" for op in Erp.OPERATIONS)
    custom_windows = {
        (x["window_s"], x["start_s"], x["end_s"]) for x in faults if x["requests"] == 100
    }
    assert custom_windows == {(30.0, 10.0, 20.0)}
    dataverse = [x for x in faults if x["endpoint"] == "crm.api"]
    # 6,000 per 5 minutes per user; the window is cut at the end of the run
    assert [(x["requests"], x["window_s"], x["start_s"], x["end_s"]) for x in dataverse] == [
        (12_000, 300.0, 50.0, 1_000.0)
    ]


def outage_history() -> Writer:
    """An ERP outage whose backlog drains 2 h after it ends, and two that never drain."""
    w = Writer()
    # window 0: ERP down 1,000 -> 2,000 s. One order is stuck all along (the level the
    # outage found), one went through before it
    w(1000.0, "fault.started", subject=0, status="erp", value=1000.0, actor="fault:outage")
    w(2000.0, "fault.ended", subject=0, status="erp", value=1000.0, actor="fault:outage")
    w(500.0, "crm.quote_accepted", 0, status="edi", value=1.0, value2=1)
    w(600.0, "erp.order_created", 0)
    w(900.0, "crm.quote_accepted", 9, status="edi", value=1.0, value2=1)  # never settled
    w(1100.0, "crm.quote_accepted", 1, status="edi", value=1.0, value2=1)
    w(1101.0, "integration.stored_for_forwarding", 1, status="timeout")
    w(1500.0, "crm.quote_accepted", 2, status="edi", value=1.0, value2=1)
    w(1501.0, "integration.stored_for_forwarding", 2, status="timeout")
    w(0.0, "bus.subscribed", status="erp.order-events", actor="subscriber:crm-status-sync")
    w(1800.0, "bus.published", 2, 5, "OrderHeld", 3.0, actor="topic:erp.order-events")
    w(1800.0, "bus.delivered", 2, 5, "OrderHeld", 1.0, actor="subscriber:crm-status-sync")
    w(1900.0, "integration.parked", 2, status="crm_status")
    w(3000.0, "bus.applied", 2, 5, "OrderHeld", actor="subscriber:crm-status-sync")
    w(4000.0, "integration.unparked", 2, status="crm_status")
    w(5600.0, "integration.forwarded", 1)
    w(5600.0, "erp.order_created", 1)
    w(2000.0 + 2 * HOUR, "integration.forwarded", 2)
    w(2000.0 + 2 * HOUR, "erp.order_created", 2)
    # window 3: nothing happens during it: recovered at its end
    w(12_000.0, "fault.started", subject=3, status="wms", actor="fault:outage")
    w(13_000.0, "fault.ended", subject=3, status="wms", actor="fault:outage")
    # window 1: the broker is down; a copy taken during it is never finished
    w(20_000.0, "fault.started", subject=1, status="bus", actor="fault:outage")
    w(20_500.0, "bus.published", 3, 6, "OrderHeld", 2.0, actor="topic:erp.order-events")
    w(20_500.0, "bus.delivered", 3, 6, "OrderHeld", 1.0, actor="subscriber:crm-status-sync")
    w(21_000.0, "fault.ended", subject=1, status="bus", actor="fault:outage")
    # window 2: still down when the run ends (no fault.ended row)
    w(30_000.0, "fault.started", subject=2, status="crm", actor="fault:outage")
    # other fault kinds are not outages
    w(40_000.0, "fault.started", subject=4, status="crm", actor="fault:throttle")
    w(40_100.0, "fault.ended", subject=4, status="crm", actor="fault:throttle")
    return w


def test_recovery_time_of_an_outage_whose_backlog_drains_after_two_hours() -> None:
    recovery = outage_history().health(end=50_000.0)["recovery"]
    windows = {w["window"]: w for w in recovery["windows"]}
    assert [w["window"] for w in recovery["windows"]] == [0, 3, 1, 2]  # by start
    erp = windows[0]
    assert (erp["target"], erp["start_s"], erp["end_s"]) == ("erp", 1000.0, 2000.0)
    # backlog 1 (order 9) at the start; at the end 7: orders 1 and 2 accepted and stored,
    # a bus copy owed to its subscription, a parked write. Order 2 is forwarded and
    # created 2 h after the end, which brings it back to 1
    assert erp["backlog_at_start"] == 1 and erp["peak_backlog"] == 7
    assert erp["recovery_s"] == pytest.approx(2 * HOUR) and erp["censored"] is False
    quiet = windows[3]
    assert quiet["recovery_s"] == 0.0 and quiet["peak_backlog"] == 1
    assert recovery["max_recovery_s"] == pytest.approx(2 * HOUR)


def test_an_outage_whose_backlog_never_drains_is_censored() -> None:
    recovery = outage_history().health(end=50_000.0)["recovery"]
    windows = {w["window"]: w for w in recovery["windows"]}
    broker = windows[1]
    assert broker["target"] == "bus" and broker["censored"] is True
    assert math.isnan(broker["recovery_s"])
    assert broker["backlog_at_start"] == 1 and broker["peak_backlog"] == 2
    unended = windows[2]
    assert unended["target"] == "crm" and unended["censored"] is True
    assert math.isnan(unended["end_s"]) and math.isnan(unended["recovery_s"])
    assert recovery["censored"] == 2
    # censored windows are left out of the maximum, not taken as zero
    assert recovery["max_recovery_s"] == pytest.approx(2 * HOUR)


def test_no_outage_no_recovery() -> None:
    recovery = Writer().health(end=10.0)["recovery"]
    assert recovery["windows"] == [] and recovery["censored"] == 0
    assert math.isnan(recovery["max_recovery_s"])


@pytest.fixture(scope="module")
def faulty_run() -> RunResult:
    """A small run with a 3 h ERP outage (callers time out) and poison messages."""
    scenario = load_scenario(
        "scenarios/baseline.yaml",
        [
            "demand_days=0.5",
            "drain_days=6",
            "demand.orders_per_business_day=240",
            "faults=[{kind: outage, target: erp, mode: timeout,"
            " windows: [{start_h: 8, end_h: 11}]},"
            " {kind: poison, target: erp.order-events, probability: 0.05}]",
        ],
    )
    return execute(scenario, seed=3)


def test_a_real_faulty_run(faulty_run: RunResult) -> None:
    health = faulty_run.metrics["delivery_health"]
    windows = health["recovery"]["windows"]
    assert len(windows) == 1 and windows[0]["target"] == "erp"
    assert math.isfinite(windows[0]["recovery_s"]) and windows[0]["recovery_s"] > 0
    assert health["recovery"]["max_recovery_s"] == windows[0]["recovery_s"]
    assert health["calls"]["by_system"]["erp"]["timeouts"] > 0
    dead = health["dead_letters"]
    assert dead["count"] > 0 and dead["by_reason"].get("poison") == dead["count"]
    assert dead["depth_at_end"] == dead["count"] - dead["replayed"]
    assert health["manual_touches"]["count"] > 0
    calls = faulty_run.history.select("endpoint.call")
    by_endpoint = health["calls"]["by_endpoint"].values()
    assert sum(e["calls"] for e in by_endpoint) == len(calls)
    # the standing Salesforce allocation of the CRM API is watched, far from its limit
    crm = [u for u in health["api_limit_use"] if u["endpoint"] == "crm.api"]
    assert crm and 0 < crm[0]["peak_utilisation"] < 1
    json.dumps(json_ready(faulty_run.metrics), allow_nan=False)


def test_the_console_summary_shows_delivery_health(faulty_run: RunResult) -> None:
    out = io.StringIO()
    print_summary(faulty_run, Console(file=out, width=120))
    text = out.getvalue()
    assert "Delivery health" in text
    assert "manual touches per 100 orders" in text and "max recovery after an outage" in text


def test_compute_metrics_passes_limits_through() -> None:
    w = Writer()
    w(1.0, "endpoint.call", status="ok", value=0.0, value2=0.1, actor="endpoint:crm.api")
    limit = {"endpoint": "crm.api", "requests": 2, "window_s": 10.0}
    m = compute_metrics(w.history, end=10.0, limits=[limit])
    assert m["delivery_health"]["api_limit_use"][0]["peak_utilisation"] == 0.5
    assert compute_metrics(w.history, end=10.0)["delivery_health"]["api_limit_use"] == []
