"""Fault windows on a time axis: outages and maintenance shaded behind the data.

The windows come from the run's :class:`~sim.faults.FaultTimeline` (the same under every
pattern). A window is labelled ``maintenance`` when it is an occurrence of a fault of the
scenario scheduled ``weekly`` (SAP's Saturday window, say), and by its kind otherwise, so
an emergency outage and a planned window look different on the same plot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from sim.engine.calendar import HOUR, WorkCalendar
from sim.faults.timing import windows_of
from sim.report.plots.base import RunLike

__all__ = ["DOWNTIME_KINDS", "ShadedWindow", "fault_windows", "shade_windows"]

DOWNTIME_KINDS: tuple[str, ...] = ("outage",)
"""Fault kinds shaded by default: a system, endpoint or the broker down."""

_COLOURS = {"maintenance": "tab:purple", "outage": "tab:red"}


@dataclass(frozen=True)
class ShadedWindow:
    """One fault window in hours since the start, with the label it is shaded under."""

    kind: str
    target: str
    start_h: float
    end_h: float
    label: str


def _scheduled(result: RunLike) -> set[tuple[str, str, float, float]]:
    """(kind, target, start_s, end_s) of every window of the scenario's weekly faults."""
    scenario = result.scenario
    calendar = WorkCalendar(scenario.start)
    rng = np.random.default_rng(0)  # a weekly schedule draws nothing
    return {
        (spec.kind, spec.target, start, end)
        for spec in scenario.faults
        if spec.weekly is not None
        for start, end in windows_of(spec, result.horizon_s, calendar, rng)
    }


def fault_windows(
    result: RunLike, kinds: Iterable[str] | None = DOWNTIME_KINDS
) -> list[ShadedWindow]:
    """The run's fault windows of ``kinds`` (``None``: every kind), clipped to the run."""
    wanted = None if kinds is None else set(kinds)
    scheduled = _scheduled(result)
    horizon = result.horizon_s
    found = []
    for window in result.timeline.windows:
        if wanted is not None and window.kind not in wanted:
            continue
        start, end = max(window.start_s, 0.0), min(window.end_s, horizon)
        if end <= start:
            continue
        key = (window.kind, window.target, window.start_s, window.end_s)
        label = "maintenance" if key in scheduled else window.kind
        found.append(ShadedWindow(window.kind, window.target, start / HOUR, end / HOUR, label))
    return found


def shade_windows(
    ax: Axes, result: RunLike, kinds: Iterable[str] | None = DOWNTIME_KINDS
) -> list[Rectangle]:
    """Shade each of :func:`fault_windows` with ``axvspan``; returns the spans.

    Each span's ``gid`` is ``window:<kind>:<target>``; one legend entry per label.
    """
    spans = []
    labelled: set[str] = set()
    for window in fault_windows(result, kinds):
        text = window.label if window.label not in labelled else "_nolegend_"
        labelled.add(window.label)
        span = ax.axvspan(
            window.start_h,
            window.end_h,
            color=_COLOURS.get(window.label, "tab:gray"),
            alpha=0.15,
            linewidth=0,
            label=text,
            gid=f"window:{window.kind}:{window.target}",
        )
        spans.append(span)
    return spans
