"""Allocation delay split by cause: credit review, integration holds, stock wait, the run.

Allocation delay runs from the ERP order's creation to the order being wholly allocated
(:mod:`sim.latencies`). Each finished sample is cut into the time its order spent:

* ``credit_review``: on credit hold (``erp.hold_placed`` with status ``credit_hold`` to its
  ``erp.hold_released``), waiting for a credit analyst;
* ``integration``: on any other hold (a pricing mismatch, a tax or master-data problem),
  raised because the order reached the ERP with data that did not match and waiting for
  the integration or the order desk to set it right;
* ``stock_wait``: backordered (the first ``erp.backorder_created`` to allocation), waiting
  for stock;
* ``allocation_run``: the rest, waiting for the next periodic allocation run and the run
  itself.

The k-th hold of an order pairs with its k-th release; each span is clipped to the order's
allocation delay. Per cause: orders affected, mean and p95 seconds over the affected
orders, and the cause's share of all allocation delay.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.history_frame import rows
from sim.history_table import Rows

__all__ = ["ALLOCATION_CAUSES", "allocation_delay_by_cause", "allocation_delay_causes"]

ALLOCATION_CAUSES = ("credit_review", "integration", "stock_wait", "allocation_run")
"""The causes an allocation delay is cut into, in the order of the module docstring."""


def _hold_spans(frame: Rows, window: pd.DataFrame) -> pd.DataFrame:
    """Every hold of an allocated order: ``order``, ``credit`` and seconds ``held`` in its delay."""
    placed = rows(frame, "erp.hold_placed")[["order", "time", "status"]]
    placed = placed.assign(k=placed.groupby("order").cumcount())
    released = rows(frame, "erp.hold_released")[["order", "time"]]
    released = released.assign(k=released.groupby("order").cumcount())
    spans = placed.merge(released, on=["order", "k"], how="left", suffixes=("", "_end"))
    spans = spans.join(window, on="order", how="inner")
    ended = spans["time_end"].to_numpy(dtype=float)
    start = np.maximum(spans["time"].to_numpy(dtype=float), spans["created"].to_numpy())
    stop = np.minimum(np.where(np.isnan(ended), np.inf, ended), spans["allocated"].to_numpy())
    return pd.DataFrame(
        {
            "order": spans["order"].to_numpy(),
            "credit": (spans["status"] == "credit_hold").to_numpy(),
            "held": np.clip(stop - start, 0.0, None),
        }
    )


def allocation_delay_by_cause(
    frame: Rows, created: pd.Series, allocated: pd.Series
) -> pd.DataFrame:
    """Per allocated order: ``total`` and the seconds of each of :data:`ALLOCATION_CAUSES`."""
    window = pd.DataFrame({"created": created, "allocated": allocated.reindex(created.index)})
    window = window.dropna()
    window = window[window["allocated"] >= window["created"]]
    table = pd.DataFrame(index=window.index)
    table["total"] = window["allocated"] - window["created"]
    holds = _hold_spans(frame, window)
    credit = holds[holds["credit"]].groupby("order")["held"].sum()
    other = holds[~holds["credit"]].groupby("order")["held"].sum()
    table["credit_review"] = credit.reindex(table.index)
    table["integration"] = other.reindex(table.index)
    first_backorder = rows(frame, "erp.backorder_created").groupby("order")["time"].min()
    waited = window["allocated"] - np.maximum(
        first_backorder.reindex(window.index), window["created"]
    )
    table["stock_wait"] = waited.clip(lower=0.0)
    table = table.fillna(0.0)
    rest = table["total"] - table[["credit_review", "integration", "stock_wait"]].sum(axis=1)
    table["allocation_run"] = rest.clip(lower=0.0)
    return table


def allocation_delay_causes(
    frame: Rows, created: pd.Series, allocated: pd.Series
) -> dict[str, Any]:
    """The ``allocation_delay_by_cause`` section of metrics.json."""
    table = allocation_delay_by_cause(frame, created, allocated)
    total = float(table["total"].sum())
    result: dict[str, Any] = {"orders": len(table), "total_hours": total / 3600}
    for cause in ALLOCATION_CAUSES:
        seconds = table[cause].to_numpy(dtype=float)
        hit = seconds[seconds > 0]
        result[cause] = {
            "orders": int(hit.size),
            "mean_s": float(hit.mean()) if hit.size else math.nan,
            "p95_s": float(np.percentile(hit, 95)) if hit.size else math.nan,
            "share": float(seconds.sum() / total) if total else math.nan,
        }
    return result
