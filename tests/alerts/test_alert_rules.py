"""Alert rules: the model, the signals against brute force, and episodes on a known history."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from sim.alerts import alert_report, evaluate_rule, oldest_open_age
from sim.checks import as_frame
from sim.scenario import Scenario
from sim.scenario.alerts import DEFAULT_ALERTS, AlertRule
from tests.checks.support import row, write


def test_a_rule_reads_units_and_refuses_what_it_cannot_watch() -> None:
    rule = AlertRule(name="lag", signal="consumer_lag", above="15min")
    assert rule.above == 900.0 and rule.window is None
    slow = AlertRule(name="p95", signal="order_creation_latency.p95", window="1h", above="60s")
    assert (slow.window, slow.above) == (3600.0, 60.0)
    with pytest.raises(ValidationError, match="unknown signal"):
        AlertRule(name="x", signal="queue_depth", above=1)
    with pytest.raises(ValidationError, match="needs a window"):
        AlertRule(name="x", signal="failed_calls:erp", above=0)
    with pytest.raises(ValidationError, match="takes no window"):
        AlertRule(name="x", signal="dead_letter_depth", above=0, window=60)
    with pytest.raises(ValidationError, match="unique"):
        Scenario(name="s", alerts=(DEFAULT_ALERTS[0], DEFAULT_ALERTS[0]))
    assert Scenario(name="s").alerts == DEFAULT_ALERTS


def brute_oldest(starts: np.ndarray, ends: np.ndarray, t: float) -> float:
    open_now = [s for s, e in zip(starts, ends, strict=True) if s <= t and (math.isnan(e) or t < e)]
    return t - min(open_now) if open_now else 0.0


def test_the_oldest_open_age_matches_brute_force() -> None:
    rng = np.random.default_rng(4)
    starts = rng.uniform(0, 1000, 300)
    ends = starts + rng.exponential(50, 300)
    ends[rng.uniform(size=300) < 0.05] = np.nan  # never closed
    ticks = np.arange(0, 1200, 7.0)
    expected = [brute_oldest(starts, ends, t) for t in ticks]
    assert oldest_open_age(starts, ends, ticks) == pytest.approx(expected)


def exceptions_history() -> list:
    """Order 1: an exception 100-4000 s; order 2: one from 200 s, never resolved."""
    return [
        row(100, "integration.exception_raised", 1, status="held"),
        row(200, "integration.exception_raised", 2, status="rekey"),
        row(4000, "integration.exception_resolved", 1),
        row(9000, "run.ended", value=0, value2=0),
    ]


def test_episodes_fire_and_clear_at_evaluation_ticks() -> None:
    frame = as_frame(write(exceptions_history()))
    aging = AlertRule(name="aging", signal="exception_backlog_age", above=1800, every_s=60)
    # order 1's exception is 1800 s old at 1900 s: the first tick above is 1920 s, and the
    # oldest open stays above (order 2's, from 200 s) to the end: no clear
    assert evaluate_rule(aging, frame, 9000) == [{"fired_s": 1920.0, "cleared_s": None}]
    level = AlertRule(name="open", signal="exceptions_open", above=1, every_s=60)
    # two open from 200 s (first tick 240 s) to 4000 s (first tick at or after: 4020 s)
    assert evaluate_rule(level, frame, 9000) == [{"fired_s": 240.0, "cleared_s": 4020.0}]


def test_a_fault_is_detected_by_the_first_alert_after_it_starts() -> None:
    rows = [
        row(0, "fault.started", subject=0, status="erp", actor="fault:outage"),
        row(50, "endpoint.call", 1, status="unavailable", actor="endpoint:erp.create_order"),
        row(130, "endpoint.call", 2, status="ok", actor="endpoint:erp.create_order"),
        row(600, "fault.ended", subject=0, status="erp", actor="fault:outage"),
        row(9000, "run.ended", value=0, value2=0),
    ]
    frame = as_frame(write(rows))
    refusing = AlertRule(name="refusing", signal="failed_calls:erp", window=300, above=0)
    report = alert_report([refusing], frame, 9000)
    assert report["rules"]["refusing"]["episodes"] == [{"fired_s": 60.0, "cleared_s": 360.0}]
    (fault,) = report["faults"]
    assert (fault["detected_by"], fault["time_to_detect_s"]) == ("refusing", 60.0)
    quiet = AlertRule(name="quiet", signal="failed_calls:wms", window=300, above=0)
    (missed,) = alert_report([quiet], frame, 9000)["faults"]
    assert missed["detected_by"] is None and math.isnan(missed["time_to_detect_s"])
