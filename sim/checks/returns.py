"""Returns invariant: one RMA per case, nothing returned or credited beyond what was there.

DOMAIN.md's invariant 3 says a credit memo nets against the invoice it corrects; for
returns that means, per return case (one per order):

- ``duplicate_return_orders``: at most one ``erp.return_authorized`` per order (a second RMA
  for the same case is a duplicate, e.g. a retried create without an idempotency key);
- ``received_beyond_delivered``: units received back (``erp.return_received``, subject =
  material number, value = units) per order and material never exceed the units issued to
  the customer (``erp.goods_issue``, same keys);
- ``received_beyond_authorized``: units received per order never exceed the units the
  order's first RMA authorised (``erp.return_authorized`` value);
- ``credited_beyond_received``: units credited (``erp.credit_memo_line``, subject = material
  number, value = units) per order and material never exceed the units received;
- ``credit_without_receipt``: no ``erp.credit_memo_posted`` before the order's first
  ``erp.return_received``;
- ``crm_credited_early`` / ``crm_received_early``: the CRM case (``crm.case_status``) never
  shows ``Credited`` before the ERP posted the memo, nor ``Received`` before the ERP booked
  the receipt.

A history without returns rows is valid (nothing to judge).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.checks.base import Check, HistoryLike, Verdict, as_table, rows, witness
from sim.history_table import Rows

__all__ = ["returns"]

_EPSILON = 1e-9


def _units(frame: Rows, event: str) -> pd.Series:
    """Units per (order, material number) of ``event``'s rows."""
    found = rows(frame, event)
    return found.groupby(["order", "subject"])["value"].sum()


def _beyond(frame: Rows, event: str, limit: pd.Series, keys: list[str]) -> pd.DataFrame:
    """Rows of ``event`` whose group's total exceeds ``limit`` (missing limit: zero)."""
    found = rows(frame, event)
    if found.empty:
        return found
    totals = found.groupby(keys)["value"].transform("sum").to_numpy(dtype=float)
    index = pd.MultiIndex.from_frame(found[keys]) if len(keys) > 1 else pd.Index(found[keys[0]])
    allowed = limit.reindex(index).fillna(0.0).to_numpy(dtype=float)
    return found[totals > allowed + _EPSILON]


def _early(frame: Rows, status: str, event: str) -> pd.DataFrame:
    """Case status rows showing ``status`` before the order's first ``event`` (or none)."""
    statuses = rows(frame, "crm.case_status")
    shown = statuses[statuses["status"] == status]
    if shown.empty:
        return shown
    first = rows(frame, event).groupby("order")["time"].min()
    happened = first.reindex(shown["order"]).to_numpy(dtype=float)
    early = ~(happened <= shown["time"].to_numpy(dtype=float))  # NaN: never happened
    return shown[early]


def returns(history: HistoryLike) -> Verdict:
    """One RMA per case; received <= delivered and authorised; credited <= received."""
    frame = as_table(history)
    authorized = rows(frame, "erp.return_authorized")
    duplicates = authorized[authorized.duplicated("order", keep="first")]
    first_rma = authorized.drop_duplicates("order", keep="first").set_index("order")["value"]
    memos = rows(frame, "erp.credit_memo_posted")
    first_receipt = rows(frame, "erp.return_received").groupby("order")["time"].min()
    receipt_at = first_receipt.reindex(memos["order"]).to_numpy(dtype=float)
    found = {
        "duplicate_return_orders": duplicates,
        "received_beyond_delivered": _beyond(
            frame, "erp.return_received", _units(frame, "erp.goods_issue"), ["order", "subject"]
        ),
        "received_beyond_authorized": _beyond(frame, "erp.return_received", first_rma, ["order"]),
        "credited_beyond_received": _beyond(
            frame,
            "erp.credit_memo_line",
            _units(frame, "erp.return_received"),
            ["order", "subject"],
        ),
        "credit_without_receipt": memos[~(receipt_at <= memos["time"].to_numpy(dtype=float))],
        "crm_credited_early": _early(frame, "Credited", "erp.credit_memo_posted"),
        "crm_received_early": _early(frame, "Received", "erp.return_received"),
    }
    labels = np.concatenate([part.index.to_numpy() for part in found.values()])
    counts = {
        "cases": int(rows(frame, "crm.case_opened")["order"].nunique()),
        "return_orders": len(authorized),
        "credit_memos": len(memos),
        **{name: len(part) for name, part in found.items()},
    }
    return Verdict(
        name=Check.RETURNS,
        valid=not labels.size,
        counts=counts,
        witness=witness(frame, np.sort(labels)),
    )
