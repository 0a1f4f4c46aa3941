"""Invariant 1, no lost orders: every accepted order is an ERP order or a named exception.

Rows read (matched by event name, any actor):

- the acceptance rows of every channel (order): a quote accepted in CRM, a web-shop order
  placed, an EDI order's IDoc received by the ERP (:func:`sim.history_frame.accepted_rows`).
- ``erp.order_created`` (order): the ERP holds the order.
- ``integration.exception_raised`` and ``integration.order_cancelled`` (order,
  status = reason): the order sits in a named exception state.

Each accepted order is counted once, as ``created`` if the ERP holds it, else
``in_exception`` if it has an exception row, else ``lost``.
"""

from __future__ import annotations

import numpy as np

from sim.checks.base import Check, HistoryLike, Verdict, as_table, rows, witness
from sim.history_frame import accepted_rows

__all__ = ["EXCEPTION_EVENTS", "no_lost_orders"]

EXCEPTION_EVENTS: tuple[str, ...] = ("integration.exception_raised", "integration.order_cancelled")
"""Rows that put an order in a named exception state (status = reason)."""


def no_lost_orders(history: HistoryLike) -> Verdict:
    """Every accepted order has ``erp.order_created`` or an exception row."""
    frame = as_table(history)
    accepted = accepted_rows(frame)
    orders = np.unique(accepted["order"].to_numpy())
    created = np.isin(orders, rows(frame, "erp.order_created")["order"].to_numpy())
    excepted = np.isin(orders, rows(frame, *EXCEPTION_EVENTS)["order"].to_numpy()) & ~created
    lost = orders[~created & ~excepted]
    lost_rows = accepted[accepted["order"].isin(lost)]
    counts = {
        "accepted": len(orders),
        "created": int(created.sum()),
        "in_exception": int(excepted.sum()),
        "lost": len(lost),
    }
    return Verdict(
        name=Check.NO_LOST_ORDERS,
        valid=len(lost) == 0,
        counts=counts,
        witness=witness(frame, lost_rows.index),
    )
