"""The integration backlog over time, term by term, with outage and maintenance windows.

The backlog is the methodology's (docs/methodology.md, "Recovery time after an outage"):
orders accepted and not yet settled in the ERP, writes parked, orders stored for
forwarding, publications held at a down broker, and message copies the bus still owes its
subscriptions. Each term is drawn as a step line from
:func:`sim.outage_recovery.backlog_terms`, and their sum, the backlog whose recovery
``delivery_health.recovery`` measures, from :func:`sim.outage_recovery.integration_backlog`.
Orders raised as exceptions leave the backlog for the order desk; the exceptions open
(:func:`sim.delivery_health.exception_backlog`) are drawn beside it, dashed, and are not
part of the total.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from matplotlib.axes import Axes

from sim.delivery_health import exception_backlog
from sim.history_frame import history_frame
from sim.outage_recovery import backlog_terms, integration_backlog, step_levels
from sim.report.plots.base import RunLike, new_axes, step_xy, time_axis
from sim.report.plots.windows import DOWNTIME_KINDS, shade_windows

__all__ = ["BACKLOG_LABELS", "EXCEPTIONS_GID", "TOTAL_GID", "backlog_levels", "plot_backlog"]

BACKLOG_LABELS: dict[str, str] = {
    "awaiting_erp_order": "orders awaiting their ERP order",
    "parked_writes": "writes parked",
    "stored_orders": "orders stored for forwarding",
    "held_publications": "publications held at the broker",
    "owed_copies": "message copies owed by the bus",
}
"""Legend label of each backlog term."""

TOTAL_GID = "integration_backlog"
"""``gid`` of the total backlog's line; each term's line has the term's name."""

EXCEPTIONS_GID = "exceptions"
"""``gid`` of the exceptions-open line."""


def backlog_levels(result: RunLike) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each backlog term and the total (``integration_backlog``) as (times, levels) in s."""
    frame = history_frame(result.history)
    levels = {name: step_levels(up, down) for name, (up, down) in backlog_terms(frame).items()}
    levels[TOTAL_GID] = integration_backlog(frame)
    return levels


def plot_backlog(
    result: RunLike,
    ax: Axes | None = None,
    shade: Iterable[str] | None = DOWNTIME_KINDS,
    empty_terms: bool = False,
    exceptions: bool = True,
) -> Axes:
    """The integration backlog and its terms over time; fault windows of ``shade`` shaded.

    Terms that never rose above zero are left out unless ``empty_terms``; with
    ``exceptions``, the exceptions open at the order desk are drawn too (``gid``
    ``exceptions``).
    """
    ax = new_axes(ax)
    shade_windows(ax, result, shade)
    for name, (times, levels) in backlog_levels(result).items():
        if name != TOTAL_GID and not empty_terms and not (levels > 0).any():
            continue
        x, y = step_xy(times, levels, result.horizon_s)
        total = name == TOTAL_GID
        ax.step(
            x,
            y,
            where="post",
            label="integration backlog (total)" if total else BACKLOG_LABELS.get(name, name),
            gid=name,
            color="black" if total else None,
            linewidth=1.6 if total else 1.0,
        )
    if exceptions:
        x, y = step_xy(*exception_backlog(history_frame(result.history)), result.horizon_s)
        ax.step(
            x,
            y,
            where="post",
            label="exceptions open (order desk)",
            gid=EXCEPTIONS_GID,
            color="tab:gray",
            linestyle="--",
        )
    time_axis(ax, result.horizon_s)
    ax.set_ylabel("items waiting")
    ax.set_ylim(bottom=0)
    ax.set_title(f"integration backlog: {result.scenario.name}")
    ax.legend(fontsize="small", loc="upper right")
    return ax
