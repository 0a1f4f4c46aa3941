"""The history as a pandas DataFrame, and small selectors used by metrics and checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine import History

__all__ = [
    "ACCEPTANCE_EVENTS",
    "ORDER_REGION_EVENTS",
    "QUOTE_ACCEPTANCE",
    "accepted_rows",
    "history_frame",
    "first_time",
    "region_rows",
    "rows",
]

ACCEPTANCE_EVENTS: tuple[str, ...] = (
    "crm.quote_accepted",
    "crm.order_placed",
    "erp.idoc_received",
)
"""The rows that mark an order's acceptance, its time zero: one event per point of entry.

Each channel enters where it does in a real landscape, and the system that takes the order
in writes its acceptance row: ``order`` (the correlation number), ``status`` (the channel),
``value`` (the order's value) and ``value2`` (units ordered). Field sales: the rep accepts
a CRM quote (``crm.quote_accepted``); web shop: the commerce storefront places a CRM order
at checkout (``crm.order_placed``); EDI: the ERP receives the partner's IDoc
(``erp.idoc_received``). Metrics and checkers select acceptance through
:func:`accepted_rows`, never by one event's name."""

QUOTE_ACCEPTANCE = "crm.quote_accepted"
"""The acceptance of an order that is a quote: only there does a rep wait for validation."""

ORDER_REGION_EVENTS: tuple[str, ...] = ("crm.quote_region", "crm.order_region", "erp.idoc_region")
"""The rows that give an accepted order's sales region (``status``), one per point of entry."""


def history_frame(history: History | pd.DataFrame) -> pd.DataFrame:
    """One row per history record, name columns as pandas categoricals (zero-copy codes).

    A frame is returned as it is: a history read back from ``history.parquet`` already has
    these columns and dtypes. A spilled history's columns are read back fresh, so they are
    not copied again (its peak is the frame plus one column).
    """
    if isinstance(history, pd.DataFrame):
        return history
    cols = _LazyColumns(history)
    frame = pd.DataFrame(
        {
            "time": cols["time"],
            "event": pd.Categorical.from_codes(
                cols["event"].astype("int32"), categories=pd.Index(history.events.names)
            ),
            "actor": pd.Categorical.from_codes(
                cols["actor"].astype("int32"), categories=pd.Index(history.actors.names)
            ),
            "order": cols["order"],
            "subject": cols["subject"],
            "status": pd.Categorical.from_codes(
                cols["status"].astype("int32"), categories=pd.Index(history.statuses.names)
            ),
            "value": cols["value"],
            "value2": cols["value2"],
        },
        copy=not history.spilled_rows,
    )
    return frame


class _LazyColumns:
    """``history.columns()`` read one column at a time, when the frame asks for it."""

    def __init__(self, history: History) -> None:
        self._history = history

    def __getitem__(self, name: str) -> np.ndarray:
        return self._history.columns([name])[name]


def rows(frame: pd.DataFrame, event: str) -> pd.DataFrame:
    """The rows of one event type."""
    return frame[frame["event"] == event]


def accepted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The acceptance rows of every channel (see :data:`ACCEPTANCE_EVENTS`)."""
    return frame[frame["event"].isin(ACCEPTANCE_EVENTS)]


def region_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that give each order's region (see :data:`ORDER_REGION_EVENTS`)."""
    return frame[frame["event"].isin(ORDER_REGION_EVENTS)]


def first_time(frame: pd.DataFrame, event: str) -> pd.Series:
    """Per order, the time of the first row of ``event`` (index: order)."""
    selected = rows(frame, event)
    return selected.groupby("order")["time"].min()
