"""Returns KPIs from the history: the return's stages as latencies, and counts.

Latencies, one sample per return case (the case's order), in seconds:

* return cycle time: ``crm.case_opened`` -> ``erp.credit_memo_posted``;
* return authorisation latency: ``crm.case_opened`` -> ``erp.return_authorized``;
* return receipt delay: ``erp.return_authorized`` -> ``erp.return_received`` (the customer
  learning the RMA, the carrier's return transit, the dock and the inspection);
* credit memo sync latency: ``erp.credit_memo_posted`` -> the CRM case shows ``Credited``.

A refused case is not waited for after its refusal; a sample that started and never
ended is censored (NaN). Counts: cases opened, authorised, refused (by reason), received,
credited, the credited net value, and returns (cases opened) per 100 accepted orders.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.history_frame import first_time, rows
from sim.history_table import Rows

__all__ = ["RETURN_LATENCIES", "return_counts", "return_latency_frames"]

RETURN_LATENCIES: tuple[str, ...] = (
    "return_cycle_time",
    "return_authorization_latency",
    "return_receipt_delay",
    "credit_memo_sync_latency",
)
"""The returns latency metrics, by the names scenarios use in ``slas:`` and thresholds."""


def _lags(start: pd.Series, end: pd.Series) -> pd.DataFrame:
    ended = end.reindex(start.index)
    return pd.DataFrame(
        {
            "order": start.index.to_numpy(),
            "lag": (ended - start).to_numpy(dtype=float),
            "end": ended.to_numpy(dtype=float),
        }
    )


def return_latency_frames(frame: Rows) -> dict[str, pd.DataFrame]:
    """Samples of each returns latency: ``{metric: DataFrame(order, lag, end)}``."""
    opened = first_time(frame, "crm.case_opened")
    refused = pd.Index(rows(frame, "erp.return_refused")["order"].unique())
    waited = opened[~opened.index.isin(refused)]
    authorized = first_time(frame, "erp.return_authorized")
    received = first_time(frame, "erp.return_received")
    credited = first_time(frame, "erp.credit_memo_posted")
    statuses = rows(frame, "crm.case_status")
    shown = statuses[statuses["status"] == "Credited"].groupby("order")["time"].min()
    return {
        "return_cycle_time": _lags(waited, credited),
        "return_authorization_latency": _lags(waited, authorized),
        "return_receipt_delay": _lags(authorized, received),
        "credit_memo_sync_latency": _lags(credited, shown),
    }


def return_counts(frame: Rows, orders_accepted: int) -> dict[str, object]:
    """Cases, RMAs, refusals by reason, receipts, credit memos and returns per 100 orders."""
    cases = int(rows(frame, "crm.case_opened")["order"].nunique())
    refused = rows(frame, "erp.return_refused")
    memos = rows(frame, "erp.credit_memo_posted")
    return {
        "cases_opened": cases,
        "return_orders_authorized": len(rows(frame, "erp.return_authorized")),
        "refused": len(refused),
        "refused_by_reason": {
            str(k): int(v) for k, v in refused["status"].astype(str).value_counts().items()
        },
        "received": int(rows(frame, "erp.return_received")["order"].nunique()),
        "credit_memos": len(memos),
        "credited_net": float(memos["value"].sum()),
        "credited_tax": float(memos["value2"].sum()),
        "returns_per_100_orders": 100.0 * cases / orders_accepted if orders_accepted else math.nan,
    }
