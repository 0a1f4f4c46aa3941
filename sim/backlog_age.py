"""Backlog age over time: orders not yet created in the ERP, and not yet shipped.

Two backlogs, sampled every hour of the run:

* ``awaiting_erp_order``: accepted, no ERP order yet (from acceptance to the first
  ``erp.order_created``);
* ``awaiting_shipment``: an ERP order with nothing shipped yet (from ``erp.order_created``
  to the first ``erp.shipment_dispatched``).

An order that is cancelled leaves both backlogs at its cancellation (its ERP status turns
CANCELLED). At each tick: how many orders wait, their mean age and the oldest one's age,
in hours. Vectorised: counts and age sums from sorted start and end times, the oldest age
from :func:`sim.alerts.oldest_open_age`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.alerts import oldest_open_age
from sim.engine.calendar import HOUR
from sim.history_frame import first_time, rows
from sim.history_table import Rows

__all__ = ["BACKLOGS", "backlog_age", "backlog_series"]

BACKLOGS = ("awaiting_erp_order", "awaiting_shipment")


def _levels(starts: np.ndarray, ends: np.ndarray, ticks: np.ndarray) -> dict[str, np.ndarray]:
    """Count, mean age and oldest age (hours) at each tick of ``[start, end)`` intervals."""
    closed = np.where(np.isnan(ends), np.inf, ends)
    by_start = np.sort(starts)
    end_order = np.argsort(closed, kind="stable")
    by_end = closed[end_order]
    begun = np.searchsorted(by_start, ticks, side="right")
    done = np.searchsorted(by_end, ticks, side="right")
    start_sums = np.concatenate([[0.0], np.cumsum(by_start)])
    done_start_sums = np.concatenate([[0.0], np.cumsum(starts[end_order])])
    count = begun - done
    open_start_sum = start_sums[begun] - done_start_sums[done]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_age = np.where(count > 0, ticks - open_start_sum / np.maximum(count, 1), 0.0)
    return {
        "count": count.astype(float),
        "mean_age_h": mean_age / HOUR,
        "oldest_age_h": oldest_open_age(starts, ends, ticks) / HOUR,
    }


def _intervals(frame: Rows, attrs: pd.DataFrame) -> dict[str, tuple[np.ndarray, ...]]:
    statuses = rows(frame, "erp.order_status")
    cancelled = statuses[statuses["status"] == "CANCELLED"].groupby("order")["time"].min()
    created = first_time(frame, "erp.order_created")
    shipped = first_time(frame, "erp.shipment_dispatched")
    accepted = attrs["accepted_at"]
    left_creation = np.fmin(
        created.reindex(accepted.index).to_numpy(dtype=float),
        cancelled.reindex(accepted.index).to_numpy(dtype=float),
    )
    left_shipping = np.fmin(
        shipped.reindex(created.index).to_numpy(dtype=float),
        cancelled.reindex(created.index).to_numpy(dtype=float),
    )
    return {
        "awaiting_erp_order": (accepted.to_numpy(dtype=float), left_creation),
        "awaiting_shipment": (created.to_numpy(dtype=float), left_shipping),
    }


def backlog_series(frame: Rows, attrs: pd.DataFrame, end: float) -> pd.DataFrame:
    """Hourly ticks (``time_h``) with each backlog's count, mean and oldest age (hours)."""
    ticks = np.arange(0.0, end + 1e-9, HOUR)
    table: dict[str, np.ndarray] = {"time_h": ticks / HOUR}
    for name, (starts, ends) in _intervals(frame, attrs).items():
        for figure, values in _levels(starts, ends, ticks).items():
            table[f"{name}.{figure}"] = values
    return pd.DataFrame(table)


def backlog_age(frame: Rows, attrs: pd.DataFrame, end: float) -> dict[str, Any]:
    """The ``backlog_age`` section of metrics.json: a summary and the hourly series."""
    series = backlog_series(frame, attrs, end)
    result: dict[str, Any] = {}
    for name in BACKLOGS:
        count = series[f"{name}.count"].to_numpy()
        mean_age = series[f"{name}.mean_age_h"].to_numpy()
        waiting = count > 0
        result[name] = {
            "peak_count": int(count.max()) if count.size else 0,
            "mean_count": float(count.mean()) if count.size else math.nan,
            "oldest_age_h": float(series[f"{name}.oldest_age_h"].max()) if count.size else 0.0,
            "mean_age_h": float(np.average(mean_age[waiting], weights=count[waiting]))
            if waiting.any()
            else 0.0,
        }
    result["hourly"] = {
        column: [round(float(v), 4) for v in series[column]] for column in series.columns
    }
    return result
