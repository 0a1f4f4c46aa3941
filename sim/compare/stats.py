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

from sim.estimators import replication_interval

__all__ = ["LEVEL", "interval_cell", "paired_difference"]

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
    with np.errstate(invalid="ignore"):
        cell = interval_cell(data - base, level)
    low, high = cell["low"], cell["high"]
    cell["significant"] = bool(math.isfinite(low) and (low > 0 or high < 0))
    return cell
