"""Threshold lines: the grammar, finding a figure in metrics.json, and the single-run verdict."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from sim.scenario import Scenario
from sim.scenario.thresholds import Comparison, parse_threshold
from sim.thresholds import UnknownFigureError, censored_percentile, figure_value, threshold_results


@pytest.mark.parametrize(
    ("line", "figure", "op", "limit"),
    [
        ("order_creation_latency.p95 < 15min", "order_creation_latency.p95", "<", 900.0),
        ("crm_staleness < 2%", "crm_staleness", "<", 0.02),
        ("dead_letters == 0", "dead_letters", "==", 0.0),
        ("delivery_health.retries <= 1.5e3", "delivery_health.retries", "<=", 1500.0),
        ("fill_rate.unit_fill_rate >= 95%", "fill_rate.unit_fill_rate", ">=", 0.95),
        ("invoice_sync_latency.p99 > 250ms", "invoice_sync_latency.p99", ">", 0.25),
        ("allocation_delay.mean<2h", "allocation_delay.mean", "<", 7200.0),
        ("order_cycle_time.p50 < 3d", "order_cycle_time.p50", "<", 259200.0),
    ],
)
def test_a_line_reads_as_figure_comparison_and_limit_in_seconds_or_shares(
    line: str, figure: str, op: str, limit: float
) -> None:
    threshold = parse_threshold(line)
    assert (threshold.figure, threshold.op.value) == (figure, op)
    assert threshold.limit == pytest.approx(limit)


def test_per_n_orders_and_percentiles_are_read() -> None:
    touches = parse_threshold("manual_touches per 100 orders <= 3")
    assert (touches.figure, touches.per_orders, touches.limit) == ("manual_touches", 100.0, 3.0)
    p95 = parse_threshold("order_creation_latency.p95 < 1min")
    assert (p95.latency, p95.percentile) == ("order_creation_latency", 95.0)
    mean = parse_threshold("order_creation_latency.mean < 1min")
    assert mean.latency is None  # a summary statistic, read from latency_s


@pytest.mark.parametrize(
    "line",
    [
        "dead_letters = 0",
        "dead_letters",
        "< 3",
        "x < 3 apples",
        "a..b < 1",
        "x per 0 orders < 1",
        "allocation_delay.p0 < 1h",
    ],
)
def test_an_unreadable_line_is_refused_with_what_is_wrong(line: str) -> None:
    with pytest.raises(ValueError, match="threshold"):
        parse_threshold(line)


def test_a_scenario_names_the_line_that_is_wrong() -> None:
    with pytest.raises(ValidationError) as caught:
        Scenario(name="x", thresholds=("dead_letters == 0", "retries => 3"))
    assert caught.value.errors()[0]["loc"] == ("thresholds", 1)


@pytest.mark.parametrize(
    ("op", "value", "holds"),
    [
        ("<", 1.0, False),
        ("<=", 1.0, True),
        (">", 1.0, False),
        (">=", 1.0, True),
        ("==", 1.0, True),
        ("<", math.nan, False),
        (">", math.nan, False),
        ("==", math.nan, False),
    ],
)
def test_comparisons(op: str, value: float, holds: bool) -> None:
    assert Comparison(op).holds(value, 1.0) is holds


METRICS = {
    "volume": {"orders_accepted": 50},
    "crm_staleness": {"stale_share": 0.03},
    "delivery_health": {
        "retries": 7,
        "dead_letters": {"count": 2, "replayed": 1},
        "manual_touches": {"count": 4, "per_100_orders": 8.0},
        "exceptions": {"open_at_end": 0},
    },
    "endpoints": {"erp.create_order": {"calls": 60}, "erp.read": {"calls": 5}},
    "latency_s": {"order_creation_latency": {"p95": 3.0, "mean": 1.0}},
}


@pytest.mark.parametrize(
    ("line", "path", "value"),
    [
        ("crm_staleness < 2%", "crm_staleness.stale_share", 0.03),
        ("dead_letters == 0", "delivery_health.dead_letters.count", 2.0),
        (
            "manual_touches per 100 orders <= 3",
            "delivery_health.manual_touches.count per 100 orders",
            8.0,
        ),
        ("delivery_health.retries < 10", "delivery_health.retries", 7.0),
        ("replayed < 10", "delivery_health.dead_letters.replayed", 1.0),
        ("order_creation_latency.mean < 2s", "latency_s.order_creation_latency.mean", 1.0),
    ],
)
def test_a_figure_is_found_by_alias_full_path_or_unique_tail(
    line: str, path: str, value: float
) -> None:
    assert figure_value(parse_threshold(line), METRICS) == (path, pytest.approx(value))


def test_an_ambiguous_or_missing_figure_cannot_be_judged() -> None:
    with pytest.raises(UnknownFigureError, match="ambiguous"):
        figure_value(parse_threshold("calls < 3"), METRICS)
    with pytest.raises(UnknownFigureError, match="no figure"):
        figure_value(parse_threshold("nothing.here < 3"), METRICS)
    results = threshold_results(["calls < 3", "retries < 10"], METRICS)
    assert results["calls < 3"]["passed"] is False and "ambiguous" in results["calls < 3"]["error"]
    assert results["retries < 10"]["passed"] is True and "error" not in results["retries < 10"]


def test_a_latency_percentile_counts_unfinished_orders_as_infinitely_late() -> None:
    # 90 finished in 1 s, 10 never finished: the finished-only p95 is 1 s, the honest one inf
    lags = pd.DataFrame({"lag": [1.0] * 90 + [math.nan] * 10})
    latency = {"order_creation_latency": lags}
    line = "order_creation_latency.p95 < 1min"
    path, value = figure_value(parse_threshold(line), METRICS, latency)
    assert value == math.inf and "censoring-aware" in path
    assert threshold_results([line], METRICS, latency)[line]["passed"] is False
    assert censored_percentile(np.array([1.0] * 96 + [math.nan] * 4), 95) == 1.0
    with pytest.raises(UnknownFigureError, match="samples"):
        figure_value(parse_threshold(line), METRICS)  # a metrics file alone keeps no samples
