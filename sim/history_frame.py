"""The selectors metrics and checks use on a history table or frame, and the acceptance events."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from sim.engine import History
from sim.history_table import HistoryTable, Rows, history_frame

__all__ = [
    "ACCEPTANCE_EVENTS",
    "ORDER_REGION_EVENTS",
    "QUOTE_ACCEPTANCE",
    "accepted_rows",
    "event_counts",
    "rows_at",
    "history_frame",
    "history_table",
    "name_groups",
    "name_values",
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


def rows(frame: Rows, *events: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of the given event types, in row order (a table or a history frame).

    ``columns`` keeps only those columns, in the history's order (default: all).
    """
    if isinstance(frame, HistoryTable):
        return frame.select(*events, columns=columns)
    mask = frame["event"] == events[0] if len(events) == 1 else frame["event"].isin(events)
    if columns is None:
        return frame[mask]
    return frame.loc[mask, [name for name in frame.columns if name in set(columns)]]


def accepted_rows(frame: Rows) -> pd.DataFrame:
    """The acceptance rows of every channel (see :data:`ACCEPTANCE_EVENTS`)."""
    return rows(frame, *ACCEPTANCE_EVENTS)


def region_rows(frame: Rows) -> pd.DataFrame:
    """The rows that give each order's region (see :data:`ORDER_REGION_EVENTS`)."""
    return rows(frame, *ORDER_REGION_EVENTS)


def rows_at(frame: Rows, positions: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """The rows at the given positions (row numbers in the whole history), in that order."""
    if isinstance(frame, HistoryTable):
        return frame.at(positions)
    return frame.loc[np.asarray(positions, dtype=np.int64)]


def event_counts(frame: Rows) -> dict[str, int]:
    """Rows per event type (types with no row left out)."""
    if isinstance(frame, HistoryTable):
        return frame.event_counts()
    return {str(k): int(v) for k, v in frame["event"].value_counts().items() if v}


def name_values(column: pd.Series, prefix: str = "") -> np.ndarray:
    """A categorical name column's values, one per row, without ``prefix``.

    The same values as ``column.astype(str).str.removeprefix(prefix).to_numpy()``, as an
    object array whose rows share the category strings: 8 bytes a row, where a string
    per row costs about ninety (what matters on the millions of rows of a long run).
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        plain: np.ndarray = column.astype(str).str.removeprefix(prefix).to_numpy(dtype=object)
        return plain
    labels = np.asarray([str(c).removeprefix(prefix) for c in column.cat.categories], dtype=object)
    picked: np.ndarray = labels[column.cat.codes.to_numpy()]
    return picked


def name_groups(column: pd.Series) -> Iterator[tuple[str, np.ndarray]]:
    """Each name a categorical column holds, with the positions of its rows (in row order).

    One stable sort of the codes, then a slice per name: no per-name copy of a frame (what
    ``groupby`` makes), which matters on the millions of endpoint calls of a long run.
    """
    codes = column.cat.codes.to_numpy()
    categories = column.cat.categories
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(categories) + 1))
    for code in np.flatnonzero(np.diff(bounds)).tolist():
        yield str(categories[code]), order[bounds[code] : bounds[code + 1]]


def history_table(history: History | Rows) -> HistoryTable:
    """The history as a :class:`HistoryTable` (a table is returned as it is)."""
    return history if isinstance(history, HistoryTable) else HistoryTable(history)


def first_time(frame: Rows, event: str) -> pd.Series:
    """Per order, the time of the first row of ``event`` (index: order)."""
    selected = rows(frame, event, columns=("order", "time"))
    return selected.groupby("order")["time"].min()
