"""The fault timeline chart: one lane per fault and target, a bar per window, clipped."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from sim.engine.calendar import HOUR
from sim.faults import FaultTimeline, FaultWindow
from sim.report.plots import plot_fault_timeline
from sim.run import RunResult
from tests.report.support import by_gid, render, tiny_run


def bars(ax: Axes, gid: str) -> list[tuple[float, float]]:
    (lane,) = by_gid(ax, gid)
    assert isinstance(lane, PolyCollection)
    spans = []
    for path in lane.get_paths():
        xs = path.vertices[:, 0]
        spans.append((float(xs.min()), float(xs.max())))
    return sorted(spans)


def test_each_window_is_a_bar_in_its_lane_clipped_to_the_run() -> None:
    run = tiny_run("baseline")
    end = run.horizon_s
    timeline = FaultTimeline(
        windows=(
            FaultWindow(kind="outage", target="erp", start_s=2 * HOUR, end_s=5 * HOUR),
            FaultWindow(kind="outage", target="erp", start_s=20 * HOUR, end_s=22 * HOUR),
            FaultWindow(kind="scan_late", target="carrier.feed", start_s=0.0, end_s=end * 3),
        )
    )
    shown = RunResult(run.scenario, run.seed, run.history, end, run.metrics, timeline)
    ax = plot_fault_timeline(shown)
    render(ax)
    assert bars(ax, "lane:outage:erp") == [(2.0, 5.0), (20.0, 22.0)]
    assert bars(ax, "lane:scan_late:carrier.feed") == [(0.0, end / HOUR)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "outage: erp",
        "scan_late: carrier.feed",
    ]


def test_a_run_without_faults_says_so() -> None:
    ax = plot_fault_timeline(tiny_run("baseline"))
    render(ax)
    assert any(text.get_text() == "no fault windows" for text in ax.texts)
