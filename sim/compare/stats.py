"""Cells of a comparison: a KPI's mean with its 95% interval, and paired differences.

Both are Student-t intervals over replications (:func:`sim.estimators.replication_interval`).
A paired difference takes the per-replication differences between a pattern and the
reference pattern, which ran the same replication seeds (common random numbers), so the
demand noise they share cancels out of the difference.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from sim.estimators import replication_interval

__all__ = ["LEVEL", "holm_adjust", "interval_cell", "paired_difference", "paired_p_value"]

LEVEL = 0.95
"""Confidence level of every interval in a comparison's table."""


def interval_cell(values: ArrayLike, level: float = LEVEL) -> dict[str, Any]:
    """``mean``, ``half_width``, ``low``, ``high`` and ``n`` of per-replication values.

    An interval needs every replication's value to be finite: otherwise ``mean`` is the
    plain mean (infinite, or NaN when a value is NaN) and the interval is NaN.
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    if data.size >= 2 and np.isfinite(data).all():
        ci = replication_interval(data, level)
        return {
            "mean": ci.mean,
            "half_width": ci.half_width,
            "low": ci.low,
            "high": ci.high,
            "n": ci.n,
        }
    mean = float(data.mean()) if data.size and not np.isnan(data).any() else math.nan
    return {"mean": mean, "half_width": math.nan, "low": math.nan, "high": math.nan, "n": data.size}


def paired_difference(
    values: ArrayLike, reference: ArrayLike, level: float = LEVEL
) -> dict[str, Any]:
    """The interval of the mean of ``values[i] - reference[i]`` (paired t, ``n - 1`` dof).

    ``significant`` is true when the interval excludes zero. Values must be paired by
    replication: the same index, the same seed.
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    base = np.asarray(reference, dtype=np.float64).ravel()
    if data.shape != base.shape:
        raise ValueError(f"paired values differ in count: {data.size} and {base.size}")
    with np.errstate(invalid="ignore"):  # inf - inf: a NaN difference, not a warning
        differences = data - base
    cell = interval_cell(differences, level)
    low, high = cell["low"], cell["high"]
    cell["significant"] = bool(math.isfinite(low) and (low > 0 or high < 0))
    cell["p_value"] = paired_p_value(differences)
    return cell


def paired_p_value(differences: ArrayLike) -> float:
    """Two-sided p-value of the paired t test that the mean difference is zero.

    NaN when a difference is not finite or there are fewer than two. Differences that are
    all equal give 1 when they are zero and 0 otherwise (no spread: the difference is
    certain, as common random numbers make it for figures a pattern does not touch).
    """
    data = np.asarray(differences, dtype=np.float64).ravel()
    if data.size < 2 or not np.isfinite(data).all():
        return math.nan
    mean, spread = float(data.mean()), float(data.std(ddof=1))
    if spread == 0.0:
        return 1.0 if mean == 0.0 else 0.0
    t = mean / (spread / math.sqrt(data.size))
    return float(2.0 * stats.t.sf(abs(t), data.size - 1))


def holm_adjust(cells: dict[str, dict[str, Any]], alpha: float = 1.0 - LEVEL) -> None:
    """Holm's step-down adjustment across one pattern's paired differences, in place.

    Comparing a pattern with the reference on many KPIs at once, some differences would look
    significant by chance. Holm's method keeps the family-wise error at ``alpha``: the
    ``j``-th smallest of the ``m`` p-values is multiplied by ``m - j`` (``j`` from 0), made
    non-decreasing, and capped at 1. Each cell gains ``p_adjusted``; ``significant`` becomes
    ``p_adjusted < alpha`` (the unadjusted reading stays as ``significant_unadjusted``).
    Cells without a p-value (NaN) are not counted in ``m`` and are never significant. A
    p-value of exactly 0 or 1 is a certain answer (differences without spread: common
    random numbers make a figure the patterns do not touch differ by exactly zero in every
    replication), not a test that could err by chance: it is kept as it is and not counted
    in ``m``, so forty untouched KPIs do not dilute the few that were really tested.
    """
    tested = sorted(
        (cell["p_value"], kpi) for kpi, cell in cells.items() if 0.0 < cell["p_value"] < 1.0
    )
    m = len(tested)
    running = 0.0
    adjusted: dict[str, float] = {
        kpi: cell["p_value"] for kpi, cell in cells.items() if cell["p_value"] in (0.0, 1.0)
    }
    for j, (p, kpi) in enumerate(tested):
        running = max(running, min(1.0, (m - j) * p))
        adjusted[kpi] = running
    for kpi, cell in cells.items():
        cell["significant_unadjusted"] = cell["significant"]
        cell["p_adjusted"] = adjusted.get(kpi, math.nan)
        cell["significant"] = bool(kpi in adjusted and adjusted[kpi] < alpha)
