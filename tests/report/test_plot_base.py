"""What every plot shares: buckets, step lines, fault windows and a Figure of its own."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.engine import History
from sim.engine.calendar import HOUR, WorkCalendar
from sim.faults.timeline import expand
from sim.report.plots import fault_windows, new_axes, plot_throughput, shade_windows
from sim.report.plots.base import bucket_edges, overlap_per_bucket, step_xy
from sim.run import RunResult
from sim.scenario import load_scenario
from tests.report.support import SCENARIOS, render, spans


def test_overlap_per_bucket_matches_a_brute_force_sum() -> None:
    rng = np.random.default_rng(3)
    edges = bucket_edges(10.5 * HOUR, 1.0)
    assert edges[-1] - edges[-2] == 0.5 * HOUR and edges.size == 12
    starts = rng.uniform(-HOUR, 11 * HOUR, 400)
    ends = starts + rng.exponential(2 * HOUR, 400)
    got = overlap_per_bucket(starts, ends, edges)
    lo, hi = edges[:-1], edges[1:]
    brute = np.clip(np.minimum(ends[:, None], hi) - np.maximum(starts[:, None], lo), 0, None)
    assert got == pytest.approx(brute.sum(axis=0), rel=1e-12)
    assert overlap_per_bucket([], [], edges).tolist() == [0.0] * 11


def test_step_xy_runs_from_zero_to_the_horizon() -> None:
    x, y = step_xy([HOUR, 2 * HOUR, 9 * HOUR], [1, 3, 2], horizon_s=5 * HOUR)
    assert x.tolist() == [0.0, 1.0, 2.0, 5.0] and y.tolist() == [0.0, 1.0, 3.0, 3.0]
    x, y = step_xy([], [], horizon_s=HOUR)
    assert x.tolist() == [0.0, 1.0] and y.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="bucket_h"):
        bucket_edges(HOUR, 0)


def test_new_axes_makes_a_figure_outside_pyplot() -> None:
    ax = new_axes()
    assert isinstance(ax.figure, Figure) and ax.figure.axes == [ax]
    assert new_axes(ax) is ax
    render(ax)


def test_weekly_outages_are_maintenance_and_the_rest_outages() -> None:
    """The emergency window at 10-14 h on Monday and SAP's Saturday window at 22:00."""
    scenario = load_scenario(
        SCENARIOS / "erp_maintenance_peak.yaml", ["demand_days=1", "drain_days=5"]
    )
    horizon = 6 * 24 * HOUR
    timeline = expand(scenario.faults, horizon, WorkCalendar(scenario.start), scenario.seed)
    result = RunResult(scenario, 0, History(), horizon, {}, timeline)
    windows = fault_windows(result)
    saturday = 5 * 24 + 22
    assert [(w.label, w.target, w.start_h, w.end_h) for w in windows] == [
        ("outage", "erp", 10.0, 14.0),
        ("maintenance", "erp", saturday, 144.0),  # 22:00 to 02:00, cut at the end
    ]
    ax = new_axes()
    shaded = shade_windows(ax, result)
    assert [s.get_label() for s in shaded] == ["outage", "maintenance"]
    assert spans(ax) == [("window:outage:erp", 10.0, 14.0), ("window:outage:erp", saturday, 144.0)]
    assert fault_windows(result, kinds=("brownout",)) == []
    render(plot_throughput(result, bucket_h=24))
