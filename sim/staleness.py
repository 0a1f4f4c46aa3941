"""CRM staleness from the history: how long CRM showed an open order's status wrongly.

The time-weighted share of open-order time during which CRM's status differs from the
ERP's (an order is open from its acceptance until both show a final status), and the spans
it is summed from.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from sim.history_frame import rows
from sim.integration.canonical import OrderStatus

__all__ = ["TERMINAL_STATUSES", "crm_staleness", "crm_staleness_spans"]

TERMINAL_STATUSES = frozenset({OrderStatus.DELIVERED.value, OrderStatus.CANCELLED.value})
"""Statuses after which an order is no longer open."""

_TERMINAL = TERMINAL_STATUSES


def crm_staleness_spans(frame: pd.DataFrame, end: float) -> pd.DataFrame:
    """Every span of open-order time, and whether CRM's status differed from the ERP's in it.

    One row per span between two consecutive status changes of an order (on either side),
    in order of order number then time: ``order``, ``start_s``, ``end_s`` and ``stale``. An
    order is open from its ERP creation until both systems show the same terminal status
    (DELIVERED or CANCELLED), or the end of the run. :func:`crm_staleness` is the share of
    the spans' time that is stale.
    """
    orders: list[int] = []
    starts: list[float] = []
    stops: list[float] = []
    stale: list[bool] = []
    for order, start, stop, differs in _open_spans(frame, end):
        orders.append(order)
        starts.append(start)
        stops.append(stop)
        stale.append(differs)
    return pd.DataFrame(
        {
            "order": np.asarray(orders, dtype=np.int64),
            "start_s": np.asarray(starts, dtype=float),
            "end_s": np.asarray(stops, dtype=float),
            "stale": np.asarray(stale, dtype=bool),
        }
    )


def _open_spans(frame: pd.DataFrame, end: float) -> Iterator[tuple[int, float, float, bool]]:
    """(order, start, end, CRM differs from ERP) of each open-order span, in order."""
    erp = rows(frame, "erp.order_status")
    crm = rows(frame, "crm.status_updated")
    merged = pd.DataFrame(
        {
            "order": np.concatenate([erp["order"].to_numpy(), crm["order"].to_numpy()]),
            "time": np.concatenate([erp["time"].to_numpy(), crm["time"].to_numpy()]),
            "side": np.concatenate([np.zeros(len(erp), np.int8), np.ones(len(crm), np.int8)]),
            "status": np.concatenate(
                [erp["status"].astype(str).to_numpy(), crm["status"].astype(str).to_numpy()]
            ),
        }
    ).sort_values(["order", "time", "side"], kind="stable")
    last_order = None
    since = 0.0
    state = ["", ""]
    closed = False
    for order, time, side, status in zip(
        merged["order"].to_numpy(),
        merged["time"].to_numpy(),
        merged["side"].to_numpy(),
        merged["status"].to_numpy(),
        strict=True,
    ):
        if order != last_order:
            if last_order is not None and not closed and state[0]:
                yield int(last_order), since, end, state[0] != state[1]
            last_order, state, closed, since = order, ["", ""], False, float(time)
        if closed:
            continue
        if state[0]:
            yield int(order), since, float(time), state[0] != state[1]
        since = float(time)
        state[int(side)] = str(status)
        if state[0] == state[1] and state[0] in _TERMINAL:
            closed = True
    if last_order is not None and not closed and state[0]:
        yield int(last_order), since, end, state[0] != state[1]


def crm_staleness(frame: pd.DataFrame, end: float) -> dict[str, float]:
    """Time-weighted share of open-order time in which CRM status != ERP status.

    An order is open from its ERP creation until both systems show the same terminal
    status (DELIVERED or CANCELLED), or the end of the run (the spans of
    :func:`crm_staleness_spans`).
    """
    stale = 0.0
    total = 0.0
    for _, start, stop, differs in _open_spans(frame, end):
        span = stop - start
        total += span
        if differs:
            stale += span
    return {"stale_share": stale / total if total else 0.0, "open_order_hours": total / 3600}
