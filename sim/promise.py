"""Promise KPIs: deliveries against the date the ERP confirmed when it created the order.

Reads ``erp.delivery_confirmed`` (``value``: the end of the promised day), the ERP's final
order status and the carrier's ``delivered`` scans (``value2``: when the delivery
happened). An order's delivery time is its last delivered scan, counted once the ERP shows
the whole order DELIVERED. An order's promise is decided when it was delivered, or when the
run ended after its promised day without delivering it (late, censored). Cancelled orders
are left out.

* ``on_time_share``: decided orders delivered by the end of the promised day;
* ``promise_accuracy``: delivered orders that arrived on the promised day or one day either
  side (a promise far too cautious is as wrong as one broken);
* ``lateness_days``: delivery minus the end of the promised day, in days, of delivered
  orders (negative is early);
* ``late_orders``: decided orders not delivered by their promise (the late-order penalty of
  the cost model counts these); ``by_channel`` and ``by_region`` cut the on-time share.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.calendar import DAY
from sim.history_frame import rows
from sim.history_table import Rows

__all__ = ["delivery_promises", "promise_kpis"]


def delivery_promises(frame: Rows, end: float) -> pd.DataFrame:
    """Per confirmed, not cancelled order: ``promised_by``, ``delivered_at`` (NaN), ``late``.

    ``late`` is True when the order was delivered after its promise, or was still not
    delivered at ``end`` after its promise; NaN-free ``decided`` says whether either is known.
    """
    confirmed = rows(frame, "erp.delivery_confirmed").groupby("order")["value"].first()
    statuses = rows(frame, "erp.order_status")
    cancelled = statuses[statuses["status"] == "CANCELLED"]["order"].unique()
    delivered_orders = statuses[statuses["status"] == "DELIVERED"]["order"].unique()
    scans = rows(frame, "carrier.scan")
    delivered_at = (
        scans[(scans["status"] == "delivered") & scans["order"].isin(delivered_orders)]
        .groupby("order")["value2"]
        .max()
    )
    confirmed = confirmed[~confirmed.index.isin(cancelled)]
    table = pd.DataFrame(
        {
            "promised_by": confirmed.to_numpy(dtype=float),
            "delivered_at": delivered_at.reindex(confirmed.index).to_numpy(dtype=float),
        },
        index=confirmed.index,
    )
    delivered = ~np.isnan(table["delivered_at"].to_numpy())
    overdue = ~delivered & (table["promised_by"].to_numpy() < end)
    table["decided"] = delivered | overdue
    table["late"] = overdue | (delivered & (table["delivered_at"] > table["promised_by"]))
    return table


def _share(mask: pd.Series | np.ndarray, of: pd.Series | np.ndarray) -> float:
    total = int(np.asarray(of).sum())
    return float(np.asarray(mask)[np.asarray(of)].mean()) if total else math.nan


def promise_kpis(frame: Rows, end: float, attrs: pd.DataFrame) -> dict[str, Any]:
    """The ``promise`` section of metrics.json (see the module docstring)."""
    table = delivery_promises(frame, end)
    decided = table["decided"].to_numpy()
    on_time = ~table["late"].to_numpy()
    delivered = ~np.isnan(table["delivered_at"].to_numpy())
    lateness = (table["delivered_at"] - table["promised_by"]).to_numpy()[delivered] / DAY
    day_off = np.floor(lateness + 1.0)  # 0: on the promised day, -1: the day before
    confirmed = rows(frame, "erp.delivery_confirmed")
    waiting = int((confirmed["status"] == "replenishment").sum())

    def cut(by: str) -> dict[str, float]:
        labels = attrs[by].reindex(table.index).astype(str).to_numpy()
        return {
            str(label): _share(on_time, decided & (labels == label))
            for label in sorted(set(labels[decided]))
        }

    return {
        "orders_confirmed": len(table),
        "confirmed_after_replenishment": waiting,
        "orders_decided": int(decided.sum()),
        "on_time_share": _share(on_time, decided),
        "late_orders": int((~on_time & decided).sum()),
        "promise_accuracy": float(np.isin(day_off, (-1.0, 0.0, 1.0)).mean())
        if lateness.size
        else math.nan,
        "lateness_days": {
            "count": int(lateness.size),
            "mean": float(lateness.mean()) if lateness.size else math.nan,
            "p50": float(np.percentile(lateness, 50)) if lateness.size else math.nan,
            "p95": float(np.percentile(lateness, 95)) if lateness.size else math.nan,
        },
        "on_time_by_channel": cut("channel"),
        "on_time_by_region": cut("region"),
    }
