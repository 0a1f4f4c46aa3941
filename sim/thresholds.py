"""Evaluate a scenario's threshold lines on one run's metrics (the single-run verdict).

:mod:`sim.scenario.thresholds` parses a line; here its figure is found in the run's metrics
and compared with its limit. Finding a figure, in this order:

1. ``METRIC.pQ`` of a latency metric: the censoring-aware percentile of the run's samples,
   the same statistic an ``slas:`` target uses (:func:`censored_percentile`);
2. a latency metric with another statistic (``order_creation_latency.mean``):
   ``latency_s.METRIC.STAT``;
3. one of :data:`~sim.scenario.thresholds.ALIASES`;
4. a full dotted path to a number in ``metrics.json``;
5. the one path that ends with the figure's dotted name.

A figure that names no number, or several, cannot be judged: :class:`UnknownFigureError`.
The verdict across replications is :func:`sim.verdicts.replicated_threshold_verdicts`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario import LATENCY_METRICS
from sim.scenario.thresholds import ALIASES, Threshold, parse_threshold

__all__ = [
    "UnknownFigureError",
    "censored_percentile",
    "figure_value",
    "leaf_figures",
    "threshold_results",
]


class UnknownFigureError(ValueError):
    """A threshold's figure names no number in the metrics, or more than one."""


def censored_percentile(lags: np.ndarray, percentile: float) -> float:
    """The ``percentile`` of latency samples, a NaN (never finished) counting as infinite.

    No interpolation (an infinite sample cannot be interpolated): the smallest sample at or
    above the percentile, the conservative reading for a target. NaN when there is none.
    """
    if not lags.size:
        return math.nan
    finite = np.where(np.isnan(lags), np.inf, lags)
    return float(np.percentile(finite, percentile, method="higher"))


def leaf_figures(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Every number in ``metrics`` by its dotted path (``None`` becomes NaN; lists skipped)."""
    found: dict[str, float] = {}
    for key, value in metrics.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found.update(leaf_figures(value, f"{path}."))
        elif value is None:
            found[path] = math.nan
        elif isinstance(value, bool | int | float):
            found[path] = float(value)
    return found


def _resolve(figure: str, leaves: Mapping[str, float]) -> str:
    """The dotted path of ``figure`` in ``leaves`` (steps 2-5 of the module's list)."""
    head, _, rest = figure.partition(".")
    if head in LATENCY_METRICS and rest:
        figure = f"latency_s.{figure}"
    figure = ALIASES.get(figure, figure)
    if figure in leaves:
        return figure
    tails = sorted(path for path in leaves if path.endswith(f".{figure}"))
    if len(tails) == 1:
        return tails[0]
    if tails:
        shown = ", ".join(tails[:6]) + (" ..." if len(tails) > 6 else "")
        raise UnknownFigureError(f"figure {figure!r} is ambiguous in metrics.json: {shown}")
    raise UnknownFigureError(f"no figure {figure!r} in metrics.json")


def figure_value(
    threshold: Threshold,
    metrics: Mapping[str, Any],
    latency: Mapping[str, pd.DataFrame] | None = None,
) -> tuple[str, float]:
    """(the resolved path, the run's value) of a threshold's figure, ``per N orders`` applied.

    ``latency`` holds each latency metric's samples (a ``lag`` column, NaN when censored); a
    ``METRIC.pQ`` figure needs them (a stored ``metrics.json`` keeps only p50/p95/p99 of
    finished samples).
    """
    if threshold.latency is not None and threshold.percentile is not None:
        path = f"{threshold.latency}.p{threshold.percentile:g} (censoring-aware)"
        if latency is None:
            raise UnknownFigureError(f"{threshold.figure}: needs the run's latency samples")
        value = censored_percentile(
            latency[threshold.latency]["lag"].to_numpy(dtype=float), threshold.percentile
        )
    else:
        path = _resolve(threshold.figure, leaf_figures(metrics))
        value = leaf_figures(metrics)[path]
    if threshold.per_orders is not None:
        orders = float(metrics["volume"]["orders_accepted"])
        value = value / orders * threshold.per_orders if orders else math.nan
        path = f"{path} per {threshold.per_orders:g} orders"
    return path, value


def threshold_results(
    lines: Sequence[str],
    metrics: Mapping[str, Any],
    latency: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, dict[str, Any]]:
    """The single-run verdict on each threshold line, keyed by the line.

    Each entry: ``figure`` (the path found), ``observed``, ``op``, ``limit``, ``passed`` and
    ``basis`` ("single run"); an unknown figure gives ``error`` and ``passed`` False.
    """
    results: dict[str, dict[str, Any]] = {}
    for line in lines:
        threshold = parse_threshold(line)
        entry: dict[str, Any] = {
            "op": threshold.op.value,
            "limit": threshold.limit,
            "basis": "single run",
        }
        try:
            path, value = figure_value(threshold, metrics, latency)
        except UnknownFigureError as error:
            entry.update(figure=None, observed=None, passed=False, error=str(error))
        else:
            entry.update(
                figure=path,
                observed=None if math.isnan(value) else value,
                passed=threshold.op.holds(value, threshold.limit),
            )
        results[threshold.text] = entry
    return results
