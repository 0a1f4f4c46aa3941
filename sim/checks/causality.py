"""Invariant 5, causality: no shipment without allocation, stock never negative, conserved.

Rows read (matched by event name, any actor):

- ``erp.shipment_dispatched`` (order, subject = delivery number).
- ``erp.inventory_allocated`` (order, subject = delivery number): a dispatch needs one with
  the same order and subject at an earlier or equal time.
- ``erp.stock_opening``, ``erp.goods_receipt`` and ``erp.stock_returned`` (sellable returned
  goods back in stock) (+value), ``erp.inventory_difference`` (+value, a signed count
  adjustment) and ``erp.goods_issue`` (-value), with status = plant, subject = material
  number, value = quantity: per (plant, material),
  the running stock in time order (ties in row order) must never go below zero. Every
  negative point counts.
- ``erp.stock_count`` (status = plant, subject = material number, value = on hand, value2 =
  allocated), written once per (plant, material) when the run ends: stock is conserved when
  opening + received + returned +/- count adjustments - issued equals the counted on hand
  (``stock_not_conserved``), and the count's allocation lies between zero and on hand
  (``allocated_beyond_on_hand``). A history
  without a count (older format, or a run cut short) is not judged on conservation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.checks.base import Check, HistoryLike, Verdict, as_table, in_order, rows, witness
from sim.history_frame import rows_at
from sim.history_table import Rows

__all__ = ["STOCK_COUNT", "STOCK_IN", "STOCK_OUT", "causality"]

STOCK_IN: tuple[str, ...] = (
    "erp.stock_opening",
    "erp.goods_receipt",
    "erp.stock_returned",
    "erp.inventory_difference",
)
"""Rows that add ``value`` units to a (plant, material) (a count's difference may be negative)."""

STOCK_OUT: tuple[str, ...] = ("erp.goods_issue",)
"""Rows that take ``value`` units from a (plant, material)."""

STOCK_COUNT = "erp.stock_count"
"""The end-of-run count of one (plant, material): on hand and allocated."""

_EPSILON = 1e-9


def _unallocated(frame: Rows) -> tuple[pd.Index, pd.Index]:
    """Dispatch rows with no allocation at or before them, and those allocations' rows."""
    dispatched = rows(frame, "erp.shipment_dispatched")
    allocated = rows(frame, "erp.inventory_allocated")
    first = allocated.groupby(["order", "subject"])["time"].agg(["min", "idxmin"])
    keys = pd.MultiIndex.from_frame(dispatched[["order", "subject"]])
    found = first.reindex(keys)
    ok = (found["min"].to_numpy(dtype=float) <= dispatched["time"].to_numpy()).astype(bool)
    late = found["idxmin"].to_numpy(dtype=float)[~ok]
    return dispatched.index[~ok], pd.Index(late[~np.isnan(late)].astype(int))


def _negative_stock(frame: Rows) -> tuple[pd.Series, int]:
    """Running stock below zero: the offending rows' levels, and the number of stock groups."""
    moves = in_order(rows(frame, *STOCK_IN, *STOCK_OUT))
    sign = np.where(moves["event"].isin(STOCK_OUT).to_numpy(dtype=bool), -1.0, 1.0)
    quantity = pd.Series(np.nan_to_num(moves["value"].to_numpy()) * sign, index=moves.index)
    keys = [moves["status"].cat.codes, moves["subject"]]
    level = quantity.groupby(keys).cumsum()
    groups = int(moves.groupby(keys).ngroups)
    return level[level < -_EPSILON], groups


def _unconserved(frame: Rows) -> tuple[pd.Index, pd.Index, int]:
    """Stock counts that do not balance, counts allocated outside [0, on hand], groups.

    Returns the count rows whose on hand differs from opening + received - issued, those
    whose allocation is negative or above on hand, and the number of count rows.
    """
    counted = rows(frame, STOCK_COUNT)
    if counted.empty:
        return pd.Index([], dtype=int), pd.Index([], dtype=int), 0
    moves = rows(frame, *STOCK_IN, *STOCK_OUT)
    sign = np.where(moves["event"].isin(STOCK_OUT).to_numpy(dtype=bool), -1.0, 1.0)
    quantity = pd.Series(np.nan_to_num(moves["value"].to_numpy()) * sign, index=moves.index)
    balance = quantity.groupby([moves["status"].astype(str), moves["subject"]]).sum()
    keys = pd.MultiIndex.from_arrays([counted["status"].astype(str), counted["subject"]])
    expected = balance.reindex(keys).fillna(0.0).to_numpy()
    on_hand = counted["value"].to_numpy(dtype=float)
    allocated = counted["value2"].to_numpy(dtype=float)
    wrong = np.abs(on_hand - expected) > _EPSILON
    beyond = (allocated > on_hand + _EPSILON) | (allocated < -_EPSILON)
    return counted.index[wrong], counted.index[beyond], len(counted)


def causality(history: HistoryLike) -> Verdict:
    """Every dispatch follows its allocation; stock per plant and material never negative."""
    frame = as_table(history)
    unallocated, late_allocations = _unallocated(frame)
    negative, groups = _negative_stock(frame)
    negative_groups = rows_at(frame, negative.index.to_numpy())[["status", "subject"]].astype(str)
    first_negative = negative_groups.drop_duplicates().index
    unconserved, beyond, counted = _unconserved(frame)
    counts = {
        "shipments": len(rows(frame, "erp.shipment_dispatched")),
        "shipments_without_allocation": len(unallocated),
        "stock_groups": groups,
        "negative_stock_points": len(negative),
        "negative_stock_groups": len(first_negative),
        "stock_counted_groups": counted,
        "stock_not_conserved": len(unconserved),
        "allocated_beyond_on_hand": len(beyond),
    }
    labels = np.concatenate(
        [
            np.sort(np.concatenate([unallocated.to_numpy(), late_allocations.to_numpy()])),
            first_negative.to_numpy(),
            unconserved.to_numpy(),
            beyond.to_numpy(),
        ]
    )
    return Verdict(
        name=Check.CAUSALITY,
        valid=not unallocated.size and negative.empty and not unconserved.size and not beyond.size,
        counts=counts,
        witness=witness(frame, labels),
        note="" if counted else "no erp.stock_count rows: stock conservation not judged",
    )
