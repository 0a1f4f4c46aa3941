"""SLA compliance bars: each pattern's mean statistic, its interval and bound, the target."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from sim.compare import CompareResult, compare
from sim.report.plots import plot_latency_cdf, plot_sla_compliance, results_by_pattern, sla_table
from sim.scenario import SlaTarget
from sim.verdicts import SlaVerdict, sla_verdicts_across
from tests.compare.support import SLAS, tiny
from tests.report.support import by_gid, line_xy, render

TARGETS = {
    "order_creation_latency": SlaTarget(percentile=95, max_s=60),
    "validation_latency": SlaTarget(percentile=95, max_s=10),
}
STATISTICS = {
    "hybrid": {"order_creation_latency": [30.0, 50.0, 40.0], "validation_latency": [3, 4, 12]},
    "direct": {
        "order_creation_latency": [70.0, 50.0, math.inf],
        "validation_latency": [2.0, 3.0, 2.5],
    },
}


@pytest.fixture(scope="module")
def verdicts() -> dict[str, dict[str, SlaVerdict]]:
    """Verdicts by the rule of sim.verdicts from statistics chosen by hand."""
    return {p: sla_verdicts_across(stats, TARGETS) for p, stats in STATISTICS.items()}


@pytest.fixture(scope="module")
def comparison() -> CompareResult:
    """Two patterns, two replications each, of the tiny world with two SLA targets."""
    return compare(tiny(), ["hybrid", "direct"], replications=2, seed=5, keep_history=True)


def bars(ax: Axes, pattern: str) -> list[Rectangle]:
    found = [a for a in by_gid(ax, f"sla:{pattern}") if isinstance(a, Rectangle)]
    assert found, f"no bars for {pattern}"
    return found


def error_segments(ax: Axes, pattern: str) -> np.ndarray:
    """(n, 2) low and high ends of a pattern's error bars."""
    (container,) = [c for c in ax.containers if c.get_label() == pattern]
    lines = container.errorbar.lines[2][0]
    return np.array([[seg[0][1], seg[1][1]] for seg in lines.get_segments()])


def test_bars_are_means_over_targets_with_intervals_and_bounds(
    verdicts: dict[str, dict[str, SlaVerdict]],
) -> None:
    ax = plot_sla_compliance(verdicts)
    render(ax)
    hybrid = verdicts["hybrid"]
    metrics = sorted(TARGETS)
    heights = [b.get_height() for b in bars(ax, "hybrid")]
    expected = [hybrid[m].mean / hybrid[m].max_s for m in metrics]
    assert heights == pytest.approx(expected)
    halves = [hybrid[m].half_width / hybrid[m].max_s for m in metrics]
    lows_highs = error_segments(ax, "hybrid")
    assert lows_highs[:, 0] == pytest.approx(np.subtract(expected, halves))
    assert lows_highs[:, 1] == pytest.approx(np.add(expected, halves))
    _, bounds = line_xy(ax, "upper_bound:hybrid")
    assert bounds == pytest.approx([hybrid[m].upper_bound / hybrid[m].max_s for m in metrics])
    _, target = line_xy(ax, "sla:target")
    assert target.tolist() == [1.0, 1.0]
    # a failing verdict's bar is hatched, a passing one is not
    for pattern, verdict_set in verdicts.items():
        hatched = [bool(b.get_hatch()) for b in bars(ax, pattern)]
        assert hatched == [not verdict_set[m].passed for m in metrics]
    assert [v.passed for v in verdicts["direct"].values()] == [False, True]
    # direct's order creation mean is infinite: no bar, "inf" written at the target
    direct_heights = [b.get_height() for b in bars(ax, "direct")]
    assert math.isnan(direct_heights[0]) and direct_heights[1] == pytest.approx(0.75 / 3)
    assert "inf" in [t.get_text() for t in ax.texts]


def test_a_last_pattern_with_no_finite_bar_keeps_its_slot_and_label(
    verdicts: dict[str, dict[str, SlaVerdict]],
) -> None:
    # the right-most slot (last pattern, last SLA) has no finite bar to widen the axes
    statistics = {
        "order_creation_latency": [30.0, 50.0, 40.0],
        "validation_latency": [math.inf, 3, 4],
    }
    last = sla_verdicts_across(statistics, TARGETS)
    ax = plot_sla_compliance({"hybrid": verdicts["hybrid"], "zeta": last})
    render(ax)
    low, high = ax.get_xlim()
    (label,) = [t for t in ax.texts if t.get_text() == "inf"]
    assert low < label.xy[0] < high  # drawn, not clipped off the right edge
    assert (low, high) == (-0.5, 1.5)


def test_one_metric_is_drawn_in_seconds_against_its_target(
    verdicts: dict[str, dict[str, SlaVerdict]],
) -> None:
    ax = plot_sla_compliance(verdicts, metric="validation_latency")
    render(ax)
    assert [b.get_height() for b in bars(ax, "hybrid")] == pytest.approx([19 / 3])
    _, target = line_xy(ax, "sla:target")
    assert target.tolist() == [10.0, 10.0]
    with pytest.raises(ValueError, match="no SLA verdict"):
        plot_sla_compliance(verdicts, metric="order_cycle_time")


def test_a_comparison_and_its_summary_plot_the_same_verdicts(comparison: CompareResult) -> None:
    summary = comparison.summary
    table = sla_table(comparison)
    assert len(table) == 2 * len(SLAS)
    assert table.equals(sla_table(summary))
    for source in (comparison, summary):
        ax = plot_sla_compliance(source)
        render(ax)
        for pattern in ("hybrid", "direct"):
            cells = summary["sla"][pattern]
            expected = [cells[m]["mean"] / cells[m]["max_s"] for m in sorted(SLAS)]
            heights = [b.get_height() for b in bars(ax, pattern)]
            assert np.allclose(heights, expected, equal_nan=True)
            assert [bool(b.get_hatch()) for b in bars(ax, pattern)] == [
                not cells[m]["passed"] for m in sorted(SLAS)
            ]


def test_latency_cdfs_of_a_kept_comparison(comparison: CompareResult) -> None:
    runs = results_by_pattern(comparison.replications, replication=1)
    assert set(runs) == {"hybrid", "direct"}
    ax = plot_latency_cdf(runs, "validation_latency", unit="s")
    render(ax)
    for pattern, result in runs.items():
        x, _ = line_xy(ax, pattern)
        assert x.size == result.metrics["latency_s"]["validation_latency"]["count"]
    lean = {
        p: [replace(r, result=None) for r in reps] for p, reps in comparison.replications.items()
    }
    with pytest.raises(ValueError, match="keep_history=True"):
        results_by_pattern(lean)
