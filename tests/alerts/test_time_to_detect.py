"""On the ERP maintenance scenario, the time to detect follows from the rule by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.checks import as_frame
from sim.outage_recovery import owed_copy_spans
from sim.run import RunResult, execute
from sim.scenario import load_scenario

SMALL = ["demand.orders_per_business_day=300", "drain_days=6"]


@pytest.fixture(scope="module")
def result() -> RunResult:
    return execute(load_scenario("scenarios/erp_maintenance_peak.yaml", SMALL))


def test_the_refusal_rule_detects_at_the_first_tick_after_the_first_refused_call(
    result: RunResult,
) -> None:
    rule = next(r for r in result.scenario.alerts if r.name == "erp_refusing")
    fault = result.metrics["alerts"]["faults"][0]
    assert (fault["kind"], fault["target"], fault["start_s"]) == ("outage", "erp", 10 * 3600.0)
    # by hand: the first ERP call that did not succeed at or after the outage's start ...
    calls = [
        r
        for r in result.history.select("endpoint.call")
        if str(r["actor"]).startswith("endpoint:erp") and r["status"] != "ok"
    ]
    first = min(float(r["time"]) for r in calls if float(r["time"]) >= fault["start_s"])
    # ... is counted at the first evaluation tick at or after it (the window is 5 min)
    tick = math.ceil(first / rule.every_s) * rule.every_s
    assert first <= tick < first + rule.window  # type: ignore[operator]
    assert fault["detected_by"] == "erp_refusing"
    assert fault["time_to_detect_s"] == tick - fault["start_s"]
    assert fault["time_to_recover_s"] == pytest.approx(
        result.metrics["delivery_health"]["recovery"]["windows"][0]["recovery_s"]
    )


def test_the_consumer_lag_rule_fires_when_the_oldest_owed_copy_passes_the_threshold(
    result: RunResult,
) -> None:
    rule = next(r for r in result.scenario.alerts if r.name == "consumer_lag")
    episodes = result.metrics["alerts"]["rules"]["consumer_lag"]["episodes"]
    assert episodes, "the outage holds bus copies long enough to fire the lag rule"
    published, handled = owed_copy_spans(as_frame(result.history))
    handled = np.where(np.isnan(handled), np.inf, handled)
    # by hand, tick by tick: is a copy published more than `above` ago (strictly) still owed?
    ticks = np.arange(1, 200) * rule.every_s + 10 * 3600.0 - 60.0
    late = [t for t in ticks if ((published < t - rule.above) & (handled > t)).any()]
    assert late and episodes[0]["fired_s"] == late[0]
