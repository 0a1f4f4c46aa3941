"""Exceptions per 100 accepted orders, by reason, region and channel.

Reads ``integration.exception_raised`` (``order``, ``status``: the reason) and the orders'
attributes (:func:`sim.latencies.order_attributes`). A cell is the exceptions raised for
orders of that region (or channel) per 100 orders accepted in it, so a region with few
orders and many exceptions stands out however small it is.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.history_frame import name_values, rows
from sim.history_table import Rows

__all__ = ["exception_rates"]


def _per_100(count: int, orders: int) -> float:
    return 100.0 * count / orders if orders else math.nan


def exception_rates(frame: Rows, attrs: pd.DataFrame) -> dict[str, Any]:
    """The ``exceptions_per_100_orders`` section of metrics.json."""
    raised = rows(frame, "integration.exception_raised")
    reasons = name_values(raised["status"])
    labelled = pd.DataFrame({"order": raised["order"].to_numpy(), "reason": reasons})
    labelled = labelled.join(attrs[["region", "channel"]], on="order")
    accepted = len(attrs)
    result: dict[str, Any] = {
        "total": _per_100(len(labelled), accepted),
        "by_reason": {
            str(reason): _per_100(int(count), accepted)
            for reason, count in labelled["reason"].value_counts().sort_index().items()
        },
    }
    for by in ("region", "channel"):
        orders = attrs[by].astype(str).value_counts()
        counts = labelled[by].astype(str).value_counts()
        result[f"by_{by}"] = {
            str(key): _per_100(int(counts.get(key, 0)), int(n))
            for key, n in orders.sort_index().items()
        }
        by_reason = labelled.groupby([by, "reason"], observed=True).size()
        result[f"by_{by}_and_reason"] = {
            str(key): {
                str(reason): _per_100(int(count), int(orders.get(key, 0)))
                for reason, count in by_reason.loc[key].items()
            }
            for key in sorted({k for k, _ in by_reason.index})
        }
    return result
