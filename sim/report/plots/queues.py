"""Dead-letter and exception-queue depth over time.

Dead letters waiting (:func:`sim.delivery_health.dead_letter_depth`: dead-lettered, less
replayed) and exceptions open at the order desk
(:func:`sim.delivery_health.exception_backlog`: raised, less resolved), as step lines. Their
peaks are ``delivery_health.dead_letters.peak_depth`` and
``delivery_health.exceptions.peak_backlog``.
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.axes import Axes

from sim.delivery_health import dead_letter_depth, exception_backlog
from sim.history_frame import history_frame
from sim.report.plots.base import RunLike, new_axes, step_xy, time_axis
from sim.report.plots.windows import DOWNTIME_KINDS, shade_windows

__all__ = ["DEAD_LETTERS_GID", "EXCEPTIONS_GID", "plot_dead_letters_and_exceptions"]

DEAD_LETTERS_GID = "dead_letters"
"""``gid`` of the dead-letter depth line."""

EXCEPTIONS_GID = "exceptions"
"""``gid`` of the exception backlog line."""


def plot_dead_letters_and_exceptions(
    result: RunLike,
    ax: Axes | None = None,
    shade: Iterable[str] | None = DOWNTIME_KINDS,
) -> Axes:
    """Dead letters waiting and exceptions open over time; fault windows of ``shade`` shaded."""
    ax = new_axes(ax)
    shade_windows(ax, result, shade)
    frame = history_frame(result.history)
    health = result.metrics.get("delivery_health", {})
    dead = health.get("dead_letters", {})
    raised = health.get("exceptions", {})
    for gid, (times, levels), label in (
        (
            DEAD_LETTERS_GID,
            dead_letter_depth(frame),
            f"dead letters waiting (peak {dead.get('peak_depth', '?')})",
        ),
        (
            EXCEPTIONS_GID,
            exception_backlog(frame),
            f"exceptions open (peak {raised.get('peak_backlog', '?')})",
        ),
    ):
        x, y = step_xy(times, levels, result.horizon_s)
        ax.step(x, y, where="post", label=label, gid=gid)
    time_axis(ax, result.horizon_s)
    ax.set_ylabel("items waiting")
    ax.set_ylim(bottom=0)
    ax.set_title(f"dead letters and exceptions: {result.scenario.name}")
    ax.legend(fontsize="small", loc="upper right")
    return ax
