"""Alerts as a chart: each rule's firing episodes in its lane, over the fault windows.

The episodes are the run's own (``metrics["alerts"]``, :mod:`sim.alerts`), so what the
chart shows is what the run recorded. Fault windows are shaded behind every lane, and for
each window that an alert caught, an arrow spans its time to detect, from the window's
start to the first firing, labelled with the rule and the duration; a window no alert
caught is marked "not detected".
"""

from __future__ import annotations

import math
from typing import Any

from matplotlib.axes import Axes

from sim.report.plots.base import RunLike, new_axes, time_axis
from sim.report.plots.windows import shade_windows

__all__ = ["plot_alerts"]

_HOUR = 3600.0


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * _HOUR:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / _HOUR:.1f} h"


def plot_alerts(result: RunLike, ax: Axes | None = None) -> Axes:
    """Each alert rule's episodes as bars in its lane; time to detect per fault window.

    The bars of a rule are one collection with ``gid`` ``alert:<name>``; each detection
    arrow is an annotation with ``gid`` ``detect:<kind>:<window>``. An episode still
    firing at the end of the run reaches the horizon.
    """
    alerts: dict[str, Any] = result.metrics.get("alerts", {"rules": {}, "faults": []})
    rules = list(alerts["rules"])
    ax = new_axes(ax, figsize=(9.0, max(1.8, 0.45 * len(rules) + 1.4)))
    end_h = result.horizon_s / _HOUR
    shade_windows(ax, result, kinds=None)
    for row, name in enumerate(rules):
        episodes = alerts["rules"][name]["episodes"]
        spans = [
            (
                float(e["fired_s"]) / _HOUR,
                (end_h if e["cleared_s"] is None else float(e["cleared_s"]) / _HOUR)
                - float(e["fired_s"]) / _HOUR,
            )
            for e in episodes
        ]
        ax.broken_barh(
            spans,
            (row - 0.3, 0.6),
            facecolors="tab:orange",
            edgecolor="black",
            linewidth=0.4,
            gid=f"alert:{name}",
        )
    lane = {name: row for row, name in enumerate(rules)}
    for fault in alerts["faults"]:
        start_h = float(fault["start_s"]) / _HOUR
        detector = fault["detected_by"]
        gid = f"detect:{fault['kind']}:{fault['window']}"
        if detector is None or not math.isfinite(float(fault["time_to_detect_s"])):
            ax.annotate(
                "not detected", (start_h, -0.45), fontsize="x-small", color="tab:red", gid=gid
            )
            continue
        fired_h = start_h + float(fault["time_to_detect_s"]) / _HOUR
        row = lane.get(detector, 0)
        ax.annotate(
            f"{detector}: {_duration(float(fault['time_to_detect_s']))}",
            xy=(fired_h, row),
            xytext=(start_h, row - 0.45),
            arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 0.8},
            fontsize="x-small",
            gid=gid,
        )
    ax.set_yticks(range(len(rules)), rules)
    ax.set_ylim(max(len(rules), 1) - 0.5, -0.75)
    time_axis(ax, result.horizon_s)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title("alerts firing, and time to detect each fault window")
    if not rules:
        ax.text(0.5, 0.5, "no alert rules", ha="center", va="center", transform=ax.transAxes)
    return ax
