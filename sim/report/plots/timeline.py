"""The fault timeline as a chart: one lane per fault and target, each window a shaded bar.

The windows are :func:`sim.report.plots.windows.fault_windows` of every kind (clipped to the
run), so a window that lasts the whole run fills its lane. Outages are red and scheduled
maintenance purple, as where they are shaded behind the time series; other kinds get a
colour of their own. Lanes are in order of their first window, top to bottom.
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.axes import Axes
from matplotlib.patches import Patch

from sim.report.plots.base import RunLike, new_axes, time_axis
from sim.report.plots.windows import fault_windows

__all__ = ["plot_fault_timeline"]

_FIXED = {"maintenance": "tab:purple", "outage": "tab:red"}
_OTHERS = (
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:brown",
    "tab:pink",
    "tab:olive",
    "tab:cyan",
    "tab:gray",
)


def plot_fault_timeline(
    result: RunLike, ax: Axes | None = None, kinds: Iterable[str] | None = None
) -> Axes:
    """Each fault window of ``kinds`` (default: all) as a bar in its ``kind: target`` lane.

    Each lane's bars are one collection with ``gid`` ``lane:<kind>:<target>``. A run
    without fault windows gets an empty chart that says so.
    """
    windows = fault_windows(result, kinds)
    lanes = list(dict.fromkeys((w.kind, w.target) for w in windows))
    height = max(1.6, 0.45 * len(lanes) + 1.1)
    ax = new_axes(ax, figsize=(9.0, height))
    colours: dict[str, str] = {}
    for window in windows:
        if window.label not in colours:
            colours[window.label] = _FIXED.get(
                window.label, _OTHERS[len([c for c in colours if c not in _FIXED]) % len(_OTHERS)]
            )
    for row, (kind, target) in enumerate(lanes):
        mine = [w for w in windows if (w.kind, w.target) == (kind, target)]
        ax.broken_barh(
            [(w.start_h, w.end_h - w.start_h) for w in mine],
            (row - 0.35, 0.7),
            facecolors=[colours[w.label] for w in mine],
            alpha=0.55,
            edgecolor="black",
            linewidth=0.5,
            gid=f"lane:{kind}:{target}",
        )
    ax.set_yticks(range(len(lanes)), [f"{kind}: {target}" for kind, target in lanes])
    ax.set_ylim(max(len(lanes), 1) - 0.5, -0.5)
    time_axis(ax, result.horizon_s)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"fault timeline: {result.scenario.name}")
    if lanes:
        handles = [Patch(facecolor=c, alpha=0.55, edgecolor="black") for c in colours.values()]
        ax.legend(
            handles, list(colours), fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0)
        )
    else:
        ax.text(0.5, 0.5, "no fault windows", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    return ax
