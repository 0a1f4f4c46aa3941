"""Invariant 4, convergence: at a quiescent end, CRM shows the ERP's status for every order.

Rows read (matched by event name, any actor):

- ``erp.order_status`` (order, status): the ERP's order status; its last row per order is
  the ERP's final status.
- ``crm.status_updated`` (order, status): the status CRM shows; its last row per order (by
  time, then row position) is CRM's final status. No row at all counts as diverged.
- ``run.ended`` (value = messages in flight, value2 = retries/parked work pending): the end
  is quiescent when both are 0. Without a quiescent end the orders are compared and the
  counts reported, but the verdict is valid with the note "not quiescent: convergence not
  judged".
- ``integration.exception_raised`` and ``integration.exception_resolved`` (order): an order
  with more raised than resolved sits in an open exception at the end: work is pending on
  it (a person's decision), so it is not quiescent yet. Its divergence is counted as
  ``diverged_in_open_exception`` and not judged, as a named exception state is accepted by
  invariant 1. (A dead letter raised on a Friday evening waits for Monday's shift.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.checks.base import (
    WITNESS_LIMIT,
    Check,
    HistoryLike,
    Verdict,
    as_table,
    in_order,
    rows,
    run_end,
    witness,
)
from sim.history_frame import name_values
from sim.history_table import Rows

__all__ = ["NOT_QUIESCENT", "convergence"]

NOT_QUIESCENT = "not quiescent: convergence not judged"
"""The note of a verdict whose run did not end quiescent."""

OPENED, CLOSED = "integration.exception_raised", "integration.exception_resolved"
"""An order's exception raised (for a person), and resolved."""


def _last(frame: Rows, event: str) -> pd.DataFrame:
    """Per order, the last row of ``event``: its status (as text) and its row position."""
    last = in_order(rows(frame, event)).groupby("order").tail(1)
    return pd.DataFrame(
        {"status": name_values(last["status"]), "row": last.index.to_numpy()},
        index=pd.Index(last["order"].to_numpy(), name="order"),
    )


def _open_exceptions(frame: Rows) -> np.ndarray:
    """Orders with more ``exception_raised`` than ``exception_resolved`` rows."""
    raised = rows(frame, OPENED)["order"].value_counts()
    resolved = rows(frame, CLOSED)["order"].value_counts()
    still = raised.sub(resolved, fill_value=0)
    return still.index[still.to_numpy() > 0].to_numpy()


def convergence(history: HistoryLike) -> Verdict:
    """For every order with ERP status rows, CRM's last status equals the ERP's last status."""
    frame = as_table(history)
    end = run_end(frame)
    erp = _last(frame, "erp.order_status").sort_index()
    crm = _last(frame, "crm.status_updated").reindex(erp.index)
    missing = crm["status"].isna()
    apart = missing | (crm["status"] != erp["status"])
    pending = erp.index.isin(_open_exceptions(frame))
    diverged = apart & ~pending
    counts = {
        "orders_compared": len(erp),
        "diverged": int(diverged.sum()),
        "missing_in_crm": int((missing & ~pending).sum()),
        "diverged_in_open_exception": int((apart & pending).sum()),
        **end.counts(),
    }
    pairs = pd.concat([crm["row"], erp["row"]], axis=1)[diverged].head(WITNESS_LIMIT // 2)
    flat = pairs.to_numpy(dtype=float).ravel()
    labels = flat[~np.isnan(flat)].astype(int)
    if not end.quiescent:
        return Verdict(Check.CONVERGENCE, True, counts, [], NOT_QUIESCENT)
    return Verdict(
        name=Check.CONVERGENCE,
        valid=counts["diverged"] == 0,
        counts=counts,
        witness=witness(frame, labels),
    )
