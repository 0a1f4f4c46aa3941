"""Latency CDFs: how a latency metric's finished samples are distributed, per pattern or KPI.

The samples are exactly those the metric summarises (:func:`sim.metrics.latency_samples`).
Each curve joins the sorted finished samples ``x[k]`` at heights ``k / (n - 1)``, the
plotting positions of numpy's default (linear) percentile, so the curve crosses height
``q`` at ``np.percentile(x, 100 q)``: at 0.95 it is the metric's ``p95``. Censored samples
(started, never finished by the end of the run) are left out of the curve, as they are out
of the statistics; the label says how many there were, since an SLA verdict counts them as
misses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike

from sim.metrics import LATENCY_METRICS, latency_samples
from sim.report.plots.base import RunLike, new_axes

__all__ = ["UNITS", "cdf_points", "plot_latency_cdf", "plot_latency_cdfs"]

Unit = Literal["s", "min", "h", "d"]

UNITS: dict[str, float] = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
"""Seconds per unit of the latency axis."""


def cdf_points(samples: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(sorted finished samples, heights ``k / (n - 1)``) of ``samples``; NaN is censored.

    One finished sample gives a vertical step at it (heights 0 and 1); none, empty arrays.
    """
    data = np.asarray(samples, dtype=float)
    finished = np.sort(data[~np.isnan(data)])
    if finished.size == 1:
        return np.repeat(finished, 2), np.array([0.0, 1.0])
    heights = np.arange(finished.size) / (finished.size - 1) if finished.size else finished
    return finished, heights


def _draw(ax: Axes, samples: ArrayLike, name: str, unit: Unit) -> Line2D:
    data = np.asarray(samples, dtype=float)
    censored = int(np.isnan(data).sum())
    share = censored / data.size if data.size else 0.0
    label = f"{name}: n={data.size - censored}, {censored} unfinished ({share:.0%})"
    x, y = cdf_points(data)
    (line,) = ax.plot(x / UNITS[unit], y, label=label, gid=name)
    return line


def _finish(ax: Axes, unit: Unit, log_x: bool, title: str) -> None:
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("share of finished samples at or below")
    ax.set_xlabel(f"latency ({unit})")
    if log_x:
        ax.set_xscale("log")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")


def plot_latency_cdf(
    results: RunLike | Mapping[str, RunLike],
    metric: str,
    ax: Axes | None = None,
    unit: Unit = "min",
    log_x: bool = False,
) -> Axes:
    """One latency metric's CDF, one curve per pattern (or the one run's curve).

    ``results`` maps a label (the pattern) to its run; a single run is
    labelled by its scenario's pattern. When the (first) run's scenario sets an SLA target
    on ``metric``, a vertical line marks it and a horizontal line its percentile.
    """
    if metric not in LATENCY_METRICS:
        raise ValueError(f"unknown latency metric {metric!r}; one of {', '.join(LATENCY_METRICS)}")
    runs = _by_label(results)
    ax = new_axes(ax)
    for name, result in runs.items():
        _draw(ax, latency_samples(result.history)[metric]["lag"], name, unit)
    first = next(iter(runs.values()), None)
    target = first.scenario.slas.get(metric) if first is not None else None
    if target is not None:
        ax.axvline(
            target.max_s / UNITS[unit],
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"SLA: p{target.percentile:g} <= {target.max_s:g} s",
            gid="sla:max_s",
        )
        ax.axhline(target.percentile / 100, color="black", linestyle=":", linewidth=1)
    _finish(ax, unit, log_x, metric.replace("_", " "))
    return ax


def plot_latency_cdfs(
    result: RunLike,
    metrics: Sequence[str] | None = None,
    ax: Axes | None = None,
    unit: Unit = "s",
) -> Axes:
    """One run's CDF of each latency metric (default: all), on a log latency axis.

    The metrics span seconds to days, so the axis is logarithmic; samples of exactly zero
    are in the curve's data but fall off a log axis.
    """
    chosen = list(LATENCY_METRICS if metrics is None else metrics)
    unknown = [m for m in chosen if m not in LATENCY_METRICS]
    if unknown:
        raise ValueError(f"unknown latency metrics {unknown}; one of {', '.join(LATENCY_METRICS)}")
    ax = new_axes(ax)
    samples = latency_samples(result.history)
    if metrics is None:  # a world without returns or master-data traffic draws no empty curves
        chosen = [m for m in chosen if len(samples[m])]
    for metric in chosen:
        _draw(ax, samples[metric]["lag"], metric, unit)
    _finish(ax, unit, True, f"latency CDFs: {result.scenario.name}")
    return ax


def _by_label(results: RunLike | Mapping[str, RunLike]) -> dict[str, RunLike]:
    if isinstance(results, Mapping):
        return dict(results)
    return {results.scenario.integration.pattern: results}
