"""Invariant 5, causality: no shipment without allocation, and stock never goes negative.

Rows read (matched by event name, any actor):

- ``erp.shipment_dispatched`` (order, subject = delivery number).
- ``erp.inventory_allocated`` (order, subject = delivery number): a dispatch needs one with
  the same order and subject at an earlier or equal time.
- ``erp.stock_opening`` and ``erp.goods_receipt`` (+value) and ``erp.goods_issue`` (-value),
  with status = plant, subject = material number, value = quantity: per (plant, material),
  the running stock in time order (ties in row order) must never go below zero. Every
  negative point counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.checks.base import Check, HistoryLike, Verdict, as_frame, in_order, rows, witness

__all__ = ["STOCK_IN", "STOCK_OUT", "causality"]

STOCK_IN: tuple[str, ...] = ("erp.stock_opening", "erp.goods_receipt")
"""Rows that add ``value`` units to a (plant, material)."""

STOCK_OUT: tuple[str, ...] = ("erp.goods_issue",)
"""Rows that take ``value`` units from a (plant, material)."""

_EPSILON = 1e-9


def _unallocated(frame: pd.DataFrame) -> tuple[pd.Index, pd.Index]:
    """Dispatch rows with no allocation at or before them, and those allocations' rows."""
    dispatched = rows(frame, "erp.shipment_dispatched")
    allocated = rows(frame, "erp.inventory_allocated")
    first = allocated.groupby(["order", "subject"])["time"].agg(["min", "idxmin"])
    keys = pd.MultiIndex.from_frame(dispatched[["order", "subject"]])
    found = first.reindex(keys)
    ok = (found["min"].to_numpy(dtype=float) <= dispatched["time"].to_numpy()).astype(bool)
    late = found["idxmin"].to_numpy(dtype=float)[~ok]
    return dispatched.index[~ok], pd.Index(late[~np.isnan(late)].astype(int))


def _negative_stock(frame: pd.DataFrame) -> tuple[pd.Series, int]:
    """Running stock below zero: the offending rows' levels, and the number of stock groups."""
    moves = in_order(rows(frame, *STOCK_IN, *STOCK_OUT))
    sign = np.where(moves["event"].isin(STOCK_OUT).to_numpy(dtype=bool), -1.0, 1.0)
    quantity = pd.Series(np.nan_to_num(moves["value"].to_numpy()) * sign, index=moves.index)
    keys = [moves["status"].cat.codes, moves["subject"]]
    level = quantity.groupby(keys).cumsum()
    groups = int(moves.groupby(keys).ngroups)
    return level[level < -_EPSILON], groups


def causality(history: HistoryLike) -> Verdict:
    """Every dispatch follows its allocation; stock per plant and material never negative."""
    frame = as_frame(history)
    unallocated, late_allocations = _unallocated(frame)
    negative, groups = _negative_stock(frame)
    negative_groups = frame.loc[negative.index, ["status", "subject"]].astype(str)
    first_negative = negative_groups.drop_duplicates().index
    counts = {
        "shipments": int((frame["event"] == "erp.shipment_dispatched").sum()),
        "shipments_without_allocation": len(unallocated),
        "stock_groups": groups,
        "negative_stock_points": len(negative),
        "negative_stock_groups": len(first_negative),
    }
    labels = np.concatenate(
        [
            np.sort(np.concatenate([unallocated.to_numpy(), late_allocations.to_numpy()])),
            first_negative.to_numpy(),
        ]
    )
    return Verdict(
        name=Check.CAUSALITY,
        valid=not unallocated.size and negative.empty,
        counts=counts,
        witness=witness(frame, labels),
    )
