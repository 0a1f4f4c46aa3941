"""What every plot shares: a fresh Axes, simulated hours, step functions and time buckets.

Plots draw on an Axes they are given, or on a new one of a new
:class:`matplotlib.figure.Figure` (never pyplot, so no global figure or backend is
touched). Time axes are hours of simulated time since the run's start.

A level over time (a queue depth, a backlog) is a step function as
:func:`sim.outage_recovery.step_levels` returns it; :func:`step_xy` turns it into the
points of a ``where="post"`` step line over the whole run. Rates and shares over time are
per bucket of ``bucket_h`` hours: :func:`bucket_edges` cuts the run into buckets (the last
one may be shorter) and :func:`overlap_per_bucket` measures how much of a set of
intervals falls in each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator
from numpy.typing import ArrayLike

from sim.engine import History
from sim.engine.calendar import HOUR
from sim.faults import FaultTimeline
from sim.replications import Replication
from sim.run import RunResult
from sim.scenario import Scenario

__all__ = [
    "HOUR",
    "RunLike",
    "bucket_edges",
    "hours",
    "new_axes",
    "overlap_per_bucket",
    "results_by_pattern",
    "step_xy",
    "time_axis",
]


class RunLike(Protocol):
    """What a plot reads of a run: a live result, or a run read back from its folder.

    :class:`~sim.run.RunResult` has it, and so has :class:`sim.report.loaded.LoadedRun`,
    whose history is the frame of its ``history.parquet``.
    """

    @property
    def scenario(self) -> Scenario: ...

    @property
    def history(self) -> History | pd.DataFrame: ...

    @property
    def horizon_s(self) -> float: ...

    @property
    def metrics(self) -> dict[str, Any]: ...

    @property
    def timeline(self) -> FaultTimeline: ...


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = (9.0, 4.0)) -> Axes:
    """``ax``, or the single Axes of a new Figure (not registered with pyplot)."""
    if ax is not None:
        return ax
    figure = Figure(figsize=figsize, layout="constrained")
    return figure.add_subplot()


def hours(seconds: ArrayLike) -> np.ndarray:
    """Simulated seconds as hours."""
    return np.asarray(seconds, dtype=float) / HOUR


def time_axis(ax: Axes, horizon_s: float, label: str = "simulated hours since start") -> None:
    """Hours from 0 to the horizon on the x axis, ticked at a round number of hours."""
    span = horizon_s / HOUR
    ax.set_xlim(0.0, span)
    ax.set_xlabel(label)
    step = next((s for s in (1, 2, 3, 6, 12, 24, 48, 168) if span / s <= 14), 336)
    ax.xaxis.set_major_locator(MultipleLocator(step))


def step_xy(times: ArrayLike, levels: ArrayLike, horizon_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Points (hours, level) of a step function for ``ax.step(..., where="post")``.

    The level is 0 from the start to the first change, each change's level until the next,
    and the last level until ``horizon_s``; changes after the horizon are dropped.
    """
    t = np.asarray(times, dtype=float)
    y = np.asarray(levels, dtype=float)
    keep = t <= horizon_s
    t, y = t[keep], y[keep]
    last = y[-1] if y.size else 0.0
    x = np.concatenate([[0.0], t, [horizon_s]])
    return hours(x), np.concatenate([[0.0], y, [last]])


def bucket_edges(horizon_s: float, bucket_h: float) -> np.ndarray:
    """Edges in seconds of buckets of ``bucket_h`` hours from 0 to the horizon."""
    if bucket_h <= 0:
        raise ValueError(f"bucket_h must be positive, got {bucket_h}")
    width = bucket_h * HOUR
    edges = np.arange(0.0, horizon_s, width)
    return np.append(edges, horizon_s) if edges.size else np.array([0.0, horizon_s])


def overlap_per_bucket(starts: ArrayLike, ends: ArrayLike, edges: np.ndarray) -> np.ndarray:
    """Per bucket between ``edges``, the summed length of the intervals ``[start, end]`` in it.

    Intervals are clipped to the edges' range. Each interval adds its part in its first and
    last bucket and the whole width of every bucket in between, so no sum is taken of large
    numbers that cancel.
    """
    a = np.clip(np.asarray(starts, dtype=float), edges[0], edges[-1])
    b = np.clip(np.asarray(ends, dtype=float), edges[0], edges[-1])
    keep = b > a
    a, b = a[keep], b[keep]
    n = edges.size - 1
    total = np.zeros(n)
    if not a.size:
        return total
    first = np.clip(np.searchsorted(edges, a, side="right") - 1, 0, n - 1)
    last = np.clip(np.searchsorted(edges, b, side="left") - 1, 0, n - 1)
    same = first == last
    np.add.at(total, first[same], b[same] - a[same])
    split = ~same
    np.add.at(total, first[split], edges[first[split] + 1] - a[split])
    np.add.at(total, last[split], b[split] - edges[last[split]])
    whole = np.zeros(n + 1, dtype=np.int64)
    np.add.at(whole, first[split] + 1, 1)
    np.add.at(whole, last[split], -1)
    return total + np.cumsum(whole[:n]) * np.diff(edges)


def results_by_pattern(
    replications: Mapping[str, Sequence[Replication]], replication: int = 0
) -> dict[str, RunResult]:
    """``{pattern: RunResult}`` of one replication of a comparison run with ``keep_history``.

    ``replications`` is :attr:`sim.compare.CompareResult.replications`. Raises
    ``ValueError`` when the runs were not kept.
    """
    found: dict[str, RunResult] = {}
    for pattern, reps in replications.items():
        result = reps[replication].result
        if result is None:
            raise ValueError(
                f"replication {replication} of {pattern!r} kept no run: compare with "
                "keep_history=True"
            )
        found[pattern] = result
    return found
