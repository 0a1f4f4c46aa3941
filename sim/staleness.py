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

import numpy as np
import pandas as pd

from sim.history_frame import name_values, rows
from sim.history_table import Rows
from sim.integration.canonical import OrderStatus
from sim.sorted_keys import group_starts

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
    return _open_spans(frame, end)


def _open_spans(frame: Rows, end: float, truth: pd.DataFrame | None = None) -> pd.DataFrame:
    """The open-order spans (order, start_s, end_s, stale: CRM differs from the truth), in order.

    The truth is the ERP's status rows unless ``truth`` (order, time, status) is given. Both
    sides' rows are merged in order of (order, time, side); after each row an order's state
    is the last status of each side so far. The span from a row to the order's next row (or
    to ``end``) is open while the truth side has a status and the two sides have not yet
    agreed on a terminal one: once they do the order is closed for good. Whole-column
    arithmetic, one row per status change: no Python loop over the millions of a long run.
    """
    erp = rows(frame, "erp.order_status", columns=_SPAN_COLUMNS) if truth is None else truth
    crm = rows(frame, "crm.status_updated", columns=_SPAN_COLUMNS)
    codes, labels = _status_codes(erp["status"], crm["status"])
    order = np.concatenate([erp["order"].to_numpy(), crm["order"].to_numpy()])
    time = np.concatenate([erp["time"].to_numpy(dtype=float), crm["time"].to_numpy(dtype=float)])
    side = np.concatenate([np.zeros(len(erp), np.int8), np.ones(len(crm), np.int8)])
    del erp, crm
    by = np.lexsort((side, time, order))
    order, time, side, codes = order[by], time[by], side[by], codes[by]
    del by
    count = len(order)
    if not count:
        return pd.DataFrame(
            {"order": order.astype(np.int64), "start_s": time, "end_s": time, "stale": side > 0}
        )
    position = np.arange(count, dtype=np.int32 if count < 2**31 else np.int64)
    first = np.ones(count, dtype=bool)
    first[1:] = order[1:] != order[:-1]
    group_start = group_starts(first)

    def since_group_start(mask: np.ndarray) -> np.ndarray:
        """Position of the order's last row so far where ``mask`` holds (-1: none yet)."""
        last = np.maximum.accumulate(np.where(mask, position, -1))
        return np.where(last >= group_start, last, -1)

    def last_status(of_side: int) -> np.ndarray:
        """Each row's code of the side's status so far in the order (-1: none yet)."""
        last = since_group_start(side == of_side)
        return np.where(last >= 0, codes[last], -1)

    truth_status, crm_status = last_status(0), last_status(1)
    terminal = np.isin(labels, list(_TERMINAL))
    agreed_final = (truth_status == crm_status) & (truth_status >= 0)
    agreed_final &= terminal[np.maximum(truth_status, 0)]
    open_after = (truth_status >= 0) & (since_group_start(agreed_final) < 0)
    stop = np.append(time[1:], end)
    stop[np.append(first[1:], True)] = end  # an order's last span runs to the end
    return pd.DataFrame(
        {
            "order": order[open_after].astype(np.int64),
            "start_s": time[open_after],
            "end_s": stop[open_after],
            "stale": (truth_status != crm_status)[open_after],
        },
        copy=False,  # fresh arrays: no second copy of a year's spans
    )


_SPAN_COLUMNS = ("order", "time", "status")


def _status_codes(truth: pd.Series, crm: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Both sides' statuses as one array of small codes over shared labels.

    Two categoricals over the same vocabulary (a history's) keep their codes; anything else
    (the physical truth's plain strings) is factorised.
    """
    if (
        isinstance(truth.dtype, pd.CategoricalDtype)
        and isinstance(crm.dtype, pd.CategoricalDtype)
        and truth.cat.categories.equals(crm.cat.categories)
    ):
        codes = np.concatenate([truth.cat.codes.to_numpy(), crm.cat.codes.to_numpy()])
        return codes, truth.cat.categories
    found, labels = pd.factorize(np.concatenate([name_values(truth), name_values(crm)]))
    return found.astype(np.int32), pd.Index(labels)


def _stale_and_total(spans: pd.DataFrame) -> tuple[float, float]:
    """Stale and open seconds of the spans, each summed in span order."""
    length = spans["end_s"].to_numpy() - spans["start_s"].to_numpy()
    stale = length[spans["stale"].to_numpy()]
    # a running sum adds in span order: the same float as adding one span at a time
    return (
        float(np.cumsum(stale)[-1]) if stale.size else 0.0,
        float(np.cumsum(length)[-1]) if length.size else 0.0,
    )


def crm_staleness(frame: Rows, end: float) -> dict[str, float]:
    """Time-weighted share of open-order time in which CRM status != ERP status.

    An order is open from its ERP creation until both systems show the same terminal
    status (DELIVERED or CANCELLED), or the end of the run (the spans of
    :func:`crm_staleness_spans`).
    """
    stale, total = _stale_and_total(_open_spans(frame, end))
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
    erp = rows(frame, "erp.order_status", columns=_SPAN_COLUMNS)
    truth = pd.DataFrame(
        {
            "order": erp["order"].to_numpy(),
            "time": erp["time"].to_numpy(dtype=float),
            "status": erp["status"].array,  # the history's categorical, a code per row
        }
    )
    scans = rows(frame, "carrier.scan", columns=("order", "subject", "status", "value2"))
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
    stale, total = _stale_and_total(_open_spans(frame, end, truth))
    delivered = truth[truth["status"] == "DELIVERED"].groupby("order")["time"].min()
    crm = rows(frame, "crm.status_updated", columns=_SPAN_COLUMNS)
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
