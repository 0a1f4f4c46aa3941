"""CRM staleness from the history: how long CRM showed an open order's status wrongly.

The time-weighted share of open-order time during which CRM's status differs from the
ERP's (an order is open from its acceptance until both show a final status), and the spans
it is summed from.

Beside it, ground-truth staleness compares CRM with what physically happened. The ERP itself
learns of the carrier's milestones late (a tracking aggregator polls every few hours), so CRM
can agree with the ERP and still be wrong. The physical truth is the ERP's status line with
each carrier milestone moved to when it happened: an order is IN_TRANSIT, OUT_FOR_DELIVERY
or DELIVERED once all its shipments physically were (the carrier scans' ``occurred_at``),
if that is earlier than the ERP knew it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from sim.history_frame import name_values, rows
from sim.history_table import Rows
from sim.integration.canonical import OrderStatus

__all__ = [
    "TERMINAL_STATUSES",
    "crm_staleness",
    "crm_staleness_spans",
    "ground_truth_staleness",
    "physical_status_rows",
]

TERMINAL_STATUSES = frozenset({OrderStatus.DELIVERED.value, OrderStatus.CANCELLED.value})
"""Statuses after which an order is no longer open."""

_TERMINAL = TERMINAL_STATUSES


def crm_staleness_spans(frame: Rows, end: float) -> pd.DataFrame:
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


def _open_spans(
    frame: Rows, end: float, truth: pd.DataFrame | None = None
) -> Iterator[tuple[int, float, float, bool]]:
    """(order, start, end, CRM differs from the truth) of each open-order span, in order.

    The truth is the ERP's status rows unless ``truth`` (order, time, status) is given.
    """
    erp = rows(frame, "erp.order_status") if truth is None else truth
    crm = rows(frame, "crm.status_updated")
    merged = pd.DataFrame(
        {
            "order": np.concatenate([erp["order"].to_numpy(), crm["order"].to_numpy()]),
            "time": np.concatenate([erp["time"].to_numpy(), crm["time"].to_numpy()]),
            "side": np.concatenate([np.zeros(len(erp), np.int8), np.ones(len(crm), np.int8)]),
            "status": np.concatenate([name_values(erp["status"]), name_values(crm["status"])]),
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


def crm_staleness(frame: Rows, end: float) -> dict[str, float]:
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


_MILESTONE_OF_SCAN = {
    "picked_up": "IN_TRANSIT",
    "in_transit": "IN_TRANSIT",
    "out_for_delivery": "OUT_FOR_DELIVERY",
    "delivered": "DELIVERED",
}
_MILESTONES = ("IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED")


def physical_status_rows(frame: Rows) -> pd.DataFrame:
    """The ERP's status rows (order, time, status), carrier milestones moved to when they happened.

    A milestone row's time becomes the time every shipment of the order had physically
    reached it (the scans' ``occurred_at``), if that is earlier than the ERP's.
    """
    erp = rows(frame, "erp.order_status")
    truth = pd.DataFrame(
        {
            "order": erp["order"].to_numpy(),
            "time": erp["time"].to_numpy(dtype=float),
            "status": name_values(erp["status"]),
        }
    )
    scans = rows(frame, "carrier.scan")
    codes = scans["status"].astype(str).map(_MILESTONE_OF_SCAN)
    scans = pd.DataFrame(
        {
            "order": scans["order"].to_numpy(),
            "shipment": scans["subject"].to_numpy(),
            "milestone": codes.to_numpy(),
            "at": scans["value2"].to_numpy(dtype=float),
        }
    ).dropna(subset=["milestone"])
    rank = {name: n for n, name in enumerate(_MILESTONES)}
    scans["rank"] = scans["milestone"].map(rank)
    for milestone in _MILESTONES:
        reached = scans[scans["rank"] >= rank[milestone]]
        per_shipment = reached.groupby(["order", "shipment"])["at"].min()
        physical = per_shipment.groupby(level="order").max()
        selected = (truth["status"] == milestone).to_numpy()
        moved = physical.reindex(truth["order"].to_numpy()[selected]).to_numpy(dtype=float)
        current = truth["time"].to_numpy()[selected]
        truth.loc[selected, "time"] = np.fmin(current, moved)
    return truth.sort_values(["order", "time"], kind="stable")


def ground_truth_staleness(frame: Rows, end: float) -> dict[str, float]:
    """CRM against the physical truth: stale share, and how late CRM showed DELIVERED.

    The share is time-weighted over open-order time, as :func:`crm_staleness`; the lag is
    from the physical delivery of the order's last shipment to CRM showing DELIVERED, hours.
    """
    truth = physical_status_rows(frame)
    stale = 0.0
    total = 0.0
    for _, start, stop, differs in _open_spans(frame, end, truth):
        total += stop - start
        if differs:
            stale += stop - start
    delivered = truth[truth["status"] == "DELIVERED"].groupby("order")["time"].min()
    crm = rows(frame, "crm.status_updated")
    shown = crm[crm["status"] == "DELIVERED"].groupby("order")["time"].min()
    lag = (shown.reindex(delivered.index) - delivered).to_numpy(dtype=float) / 3600
    finished = lag[~np.isnan(lag)]
    return {
        "stale_share": stale / total if total else 0.0,
        "open_order_hours": total / 3600,
        "delivered_shown_after_h_mean": float(finished.mean()) if finished.size else float("nan"),
        "delivered_shown_after_h_p95": (
            float(np.percentile(finished, 95)) if finished.size else float("nan")
        ),
        "delivered_not_shown": int(lag.size - finished.size),
    }
