"""Invariant 6, monotonic lifecycle: CRM never shows an order or shipment moving backwards.

Rows read (matched by event name, any actor), each in time order, ties in row order:

- ``crm.status_updated`` (order, status = order lifecycle status): per order, each status
  must rank at or above the one before (``STATUS_RANK``), except a move away from HELD
  (resumed after a hold), a move to CANCELLED, and a move to BACKORDERED after the ERP
  shipped a delivery of the order short (``erp.shipped_short`` at or before it: a short
  pick put the rest back to backorder).
- ``crm.shipment_updated`` (order, subject = delivery number, status = lifecycle status):
  per (order, subject), the same rule, except any move away from ``EXCEPTION`` (a carrier
  exception scan followed by a new delivery attempt). A move from ``DELIVERED`` to
  ``EXCEPTION`` is backwards: a delivered shipment has no more delivery attempts.

Otherwise a status outside the ranked lifecycle (e.g. ``EXCEPTION``) is not itself a
backward move; such rows are counted as ``unranked_statuses``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.checks.base import Check, HistoryLike, Verdict, as_table, in_order, rows, witness
from sim.history_frame import name_values, rows_at
from sim.history_table import Rows
from sim.integration.canonical import STATUS_RANK, OrderStatus

__all__ = ["RANK", "SHIPMENT_EXCEPTION", "monotonic_lifecycle"]

RANK: dict[str, int] = {status.value: rank for status, rank in STATUS_RANK.items()}
"""Lifecycle rank of each status name."""

SHIPMENT_EXCEPTION = "EXCEPTION"
"""A delivery's status after a carrier exception scan; any move away from it is allowed."""


def _backward(
    moves: pd.DataFrame,
    keys: list[str],
    resume_from: str,
    allowed_to: frozenset[str],
    final: str | None = None,
) -> tuple[np.ndarray, int, int]:
    """Row pairs (before, after) of backward moves, the number of sequences, unranked rows.

    A move from ``final`` to an unranked status is backwards too.
    """
    ordered = in_order(moves).sort_values(keys, kind="stable")
    # statuses as category codes, ranks looked up per category: a long run's status rows
    # are millions, a string or a hash entry per row is what the check cannot afford
    statuses = pd.Categorical(ordered["status"])
    names = [str(name) for name in statuses.categories]
    status = np.asarray(statuses.codes, dtype=np.int32)
    rank = np.array([RANK.get(name, np.nan) for name in names] + [np.nan])[status]

    def code(name: str | None) -> int:
        return names.index(name) if name in names else -2  # -2: no row has it

    key_values = ordered[keys].to_numpy()
    labels = ordered.index.to_numpy()
    del ordered
    same = (key_values[1:] == key_values[:-1]).all(axis=1)
    before, after = slice(None, -1), slice(1, None)
    backward = (
        same
        & (rank[after] < rank[before])
        & (status[before] != code(resume_from))
        & ~np.isin(status[after], [code(name) for name in allowed_to])
    )
    if final is not None:
        backward |= same & (status[before] == code(final)) & np.isnan(rank[after])
    pairs = np.column_stack([labels[before][backward], labels[after][backward]])
    sequences = int(len(labels) > 0) + int((~same).sum())  # sorted by key: one per change
    return pairs, sequences, int(np.isnan(rank).sum())


def _not_after_short_shipment(frame: Rows, pairs: np.ndarray) -> np.ndarray:
    """The backward pairs, bar moves to BACKORDERED after a short shipment of the order."""
    short = rows(frame, "erp.shipped_short").groupby("order")["time"].min()
    if short.empty or not len(pairs):
        return pairs
    after = rows_at(frame, pairs[:, 1])[["order", "time", "status"]]
    since = short.reindex(after["order"].to_numpy()).to_numpy(dtype=float)
    allowed = (name_values(after["status"]) == OrderStatus.BACKORDERED.value) & (
        since <= after["time"].to_numpy(dtype=float)
    )
    kept: np.ndarray = pairs[~allowed]
    return kept


def monotonic_lifecycle(history: HistoryLike) -> Verdict:
    """CRM order and shipment statuses never move back in rank, bar the allowed moves."""
    frame = as_table(history)
    order_pairs, orders, order_unranked = _backward(
        rows(frame, "crm.status_updated"),
        ["order"],
        OrderStatus.HELD.value,
        frozenset({OrderStatus.CANCELLED.value}),
    )
    order_pairs = _not_after_short_shipment(frame, order_pairs)
    shipment_pairs, shipments, shipment_unranked = _backward(
        rows(frame, "crm.shipment_updated"),
        ["order", "subject"],
        SHIPMENT_EXCEPTION,
        frozenset(),
        OrderStatus.DELIVERED.value,
    )
    counts = {
        "orders_checked": orders,
        "shipments_checked": shipments,
        "order_backward_moves": len(order_pairs),
        "shipment_backward_moves": len(shipment_pairs),
        "backward_moves": len(order_pairs) + len(shipment_pairs),
        "unranked_statuses": order_unranked + shipment_unranked,
    }
    labels = np.concatenate([order_pairs.ravel(), shipment_pairs.ravel()])
    return Verdict(
        name=Check.MONOTONIC_LIFECYCLE,
        valid=counts["backward_moves"] == 0,
        counts=counts,
        witness=witness(frame, labels),
    )
