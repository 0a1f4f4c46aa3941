"""Latency CDFs draw exactly the metric's finished samples: read at 0.95, the curve is p95."""

from __future__ import annotations

import numpy as np
import pytest

from sim.compare import with_pattern
from sim.metrics import LATENCY_METRICS
from sim.report.plots import cdf_points, plot_latency_cdf, plot_latency_cdfs
from sim.returns_metrics import RETURN_LATENCIES
from sim.run import RunResult, execute
from tests.compare.support import tiny
from tests.report.support import line_xy, one, render, tiny_run

PATTERNS = ("hybrid", "direct")


@pytest.fixture(scope="module")
def by_pattern() -> dict[str, RunResult]:
    """The tiny world with two SLA targets, run once under each of two patterns."""
    scenario = tiny()
    return {p: execute(with_pattern(scenario, p), seed=11) for p in PATTERNS}


@pytest.fixture(scope="module")
def outage() -> RunResult:
    """The ERP outage, shrunk: some orders never deliver by the end (censored cycle times)."""
    return tiny_run("erp_outage")


def crossing(x: np.ndarray, y: np.ndarray, q: float) -> float:
    """Where the drawn curve reaches height ``q`` (linear between its points)."""
    return float(np.interp(q, y, x))


def test_cdf_points_are_numpys_linear_percentile_positions() -> None:
    samples = np.array([5.0, np.nan, 1.0, 3.0, 10.0, np.nan])
    x, y = cdf_points(samples)
    assert x.tolist() == [1.0, 3.0, 5.0, 10.0]
    assert y.tolist() == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    for q in (0.1, 0.5, 0.95, 0.99):
        assert crossing(x, y, q) == pytest.approx(np.percentile([1, 3, 5, 10], 100 * q))
    one_x, one_y = cdf_points([4.0, np.nan])
    assert one_x.tolist() == [4.0, 4.0] and one_y.tolist() == [0.0, 1.0]
    none_x, _ = cdf_points([np.nan])
    assert none_x.size == 0


def test_per_pattern_cdf_crosses_095_at_each_runs_p95(by_pattern: dict[str, RunResult]) -> None:
    metric = "order_creation_latency"
    ax = plot_latency_cdf(by_pattern, metric, unit="min")
    render(ax)
    for pattern, result in by_pattern.items():
        stats = result.metrics["latency_s"][metric]
        x, y = line_xy(ax, pattern)
        seconds = x * 60
        assert seconds.size == stats["count"] > 10
        assert np.all(np.diff(y) > 0) and y[0] == 0 and y[-1] == 1
        for q, key in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
            assert crossing(seconds, y, q) == pytest.approx(stats[key], rel=1e-12)
        label = one(ax, pattern).get_label()
        assert f"n={stats['count']}, {stats['censored']} unfinished" in label
    # the scenario's SLA target on this metric is marked at max_s
    target = by_pattern["hybrid"].scenario.slas[metric]
    sla_x, _ = line_xy(ax, "sla:max_s")
    assert sla_x.tolist() == [target.max_s / 60] * 2


def test_per_kpi_cdfs_label_the_censored_share(outage: RunResult) -> None:
    ax = plot_latency_cdfs(outage)
    render(ax)
    assert ax.get_xscale() == "log"
    censored_somewhere = False
    for metric in LATENCY_METRICS:
        stats = outage.metrics["latency_s"][metric]
        if stats["count"] + stats["censored"] == 0:  # no returns or master-data traffic here
            assert metric in RETURN_LATENCIES or metric.endswith("_sync_latency")
            assert not [a for a in ax.get_children() if a.get_gid() == metric]
            continue
        x, y = line_xy(ax, metric)
        assert x.size == stats["count"]
        assert crossing(x, y, 0.95) == pytest.approx(stats["p95"], rel=1e-12)
        total = stats["count"] + stats["censored"]
        share = stats["censored"] / total
        assert one(ax, metric).get_label() == (
            f"{metric}: n={stats['count']}, {stats['censored']} unfinished ({share:.0%})"
        )
        censored_somewhere |= stats["censored"] > 0
    assert censored_somewhere  # the label's unfinished count is exercised


def test_a_single_run_is_labelled_by_its_pattern_and_unknown_metrics_are_refused(
    outage: RunResult,
) -> None:
    ax = plot_latency_cdf(outage, "validation_latency", unit="s", log_x=True)
    x, _ = line_xy(ax, "hybrid")
    assert x.size == outage.metrics["latency_s"]["validation_latency"]["count"]
    with pytest.raises(ValueError, match="unknown latency metric"):
        plot_latency_cdf(outage, "order_latency")
    with pytest.raises(ValueError, match="unknown latency metrics"):
        plot_latency_cdfs(outage, ["order_creation_latency", "nope"])
