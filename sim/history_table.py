"""The history as metrics and checkers read it: rows asked for by event type.

Every KPI and every invariant is computed from the rows of a few event types at a time.
:class:`HistoryTable` answers those questions without holding every row at once when the
history is large: a spilled history (a long run), or one read back from
``history.parquet`` a row group at a time
(:class:`~sim.engine.history_stored.StoredHistory`), is regrouped by event on disk once
(:class:`~sim.engine.history_by_event.RowsByEvent`) and each question reads only its
rows and the columns it uses; a history in memory, or a history frame, is one frame and
answers with a mask. Both give the same frames: the eight columns (or those asked for),
names as pandas categoricals over the whole history's vocabularies, index = the row's
position in the history (a checker's witness label).

:meth:`HistoryTable.without_orders` leaves out every row of some orders (the warm-up's),
on every question asked afterwards.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from sim.engine import COLUMNS, History
from sim.engine.history_by_event import RowsByEvent, RowSource

__all__ = ["HistoryTable", "Rows", "history_frame"]

_NAME_COLUMNS = ("event", "actor", "status")

_COLUMN_ORDER: tuple[str, ...] = tuple(name for name, _, _ in COLUMNS)
"""The history's columns in storage order (a selection keeps this order)."""

_GROUPED: weakref.WeakKeyDictionary[RowSource, RowsByEvent] = weakref.WeakKeyDictionary()
"""Each spilled history's grouped rows, built once and kept while the history lives."""


class HistoryTable:
    """A run's history rows, selected by event type (see the module docstring).

    ``source`` is a :class:`~sim.engine.History`, a history read back from Parquet
    (:class:`~sim.engine.history_stored.StoredHistory`) or a history frame (the eight
    columns, names categorical, index = row position:
    :func:`sim.history_frame.history_frame`).
    """

    def __init__(self, source: RowSource | pd.DataFrame, dropped: np.ndarray | None = None) -> None:
        self._dropped = dropped
        self._frame: pd.DataFrame | None = None
        self._disk: RowSource | None = None
        self._grouped: RowsByEvent | None = None
        if isinstance(source, pd.DataFrame):
            self._frame = _categorical(source)
        elif isinstance(source, History) and not source.spilled_rows:
            self._frame = history_frame(source)
        else:
            self._disk = source
        self._categories = {name: self._vocabulary(name) for name in _NAME_COLUMNS}
        self._event_codes = {str(name): code for code, name in enumerate(self._categories["event"])}

    def _vocabulary(self, column: str) -> pd.Index:
        if self._frame is not None:
            return self._frame[column].cat.categories
        history = self._on_disk()
        vocabulary = {"event": history.events, "actor": history.actors, "status": history.statuses}
        return pd.Index(vocabulary[column].names)

    def __len__(self) -> int:
        """Rows in the whole history (the dropped orders' rows included)."""
        if self._frame is not None:
            return len(self._frame)
        return len(self._on_disk())

    def categories(self, column: str) -> pd.Index:
        """The names a categorical column (``event``, ``actor``, ``status``) may hold."""
        return self._categories[column]

    def without_orders(self, orders: Iterable[int]) -> HistoryTable:
        """The same history without any row of ``orders`` (rows of no order stay)."""
        dropped = np.unique(np.fromiter(orders, dtype=np.int64))
        if self._dropped is not None:
            dropped = np.union1d(dropped, self._dropped)
        table = HistoryTable.__new__(HistoryTable)
        table.__dict__.update(self.__dict__)
        table._dropped = dropped if dropped.size else None
        return table

    def select(self, *events: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows of the given event types, in row order.

        ``columns`` keeps only those columns (default: all eight), in the history's order:
        on a long run's millions of rows, a question that needs three columns reads three.
        """
        codes = [self._event_codes[e] for e in events if e in self._event_codes]
        wanted = None if columns is None else [n for n in _COLUMN_ORDER if n in set(columns)]
        reading = wanted
        if wanted is not None and self._dropped is not None and "order" not in wanted:
            reading = [n for n in _COLUMN_ORDER if n in {*wanted, "order"}]
        if self._frame is not None:
            frame = self._frame
            event = frame["event"].cat.codes.to_numpy()
            mask = event == codes[0] if len(codes) == 1 else np.isin(event, codes)
            selected = frame[mask] if reading is None else frame.loc[mask, reading]
        else:
            selected = self._records_frame(self._grouped_rows().read(codes, reading))
        selected = self._keep(selected)
        if wanted is None or reading == wanted:
            return selected
        return selected[wanted]

    def event_counts(self) -> dict[str, int]:
        """Rows per event type (types with no row left out)."""
        names = self._categories["event"]
        if self._dropped is None:
            if self._frame is not None:
                counts = np.bincount(
                    self._frame["event"].cat.codes.to_numpy(), minlength=len(names)
                )
            else:
                counts = self._grouped_rows().counts()
            return {str(names[code]): int(n) for code, n in enumerate(counts.tolist()) if n}
        every = {str(names[code]) for code in range(len(names))}
        counts_left = {name: len(self.select(name, columns=("order",))) for name in sorted(every)}
        return {name: n for name, n in counts_left.items() if n}

    def at(self, positions: Sequence[int] | np.ndarray) -> pd.DataFrame:
        """The rows at the given positions (row numbers in the whole history), in that order."""
        wanted = np.asarray(positions, dtype=np.int64)
        if self._frame is not None:
            return self._frame.loc[wanted]
        history = self._on_disk()
        found: dict[int, pd.DataFrame] = {}
        start = 0
        for part in history.parts():
            size = len(part["time"])
            inside = wanted[(wanted >= start) & (wanted < start + size)]
            if inside.size:
                columns = {name: values[inside - start] for name, values in part.items()}
                picked = self._records_frame({"position": inside, **columns})
                for position in inside.tolist():
                    found[position] = picked.loc[[position]]
            start += size
        missing = [p for p in wanted.tolist() if p not in found]
        if missing:
            raise KeyError(f"no history row at positions {missing[:5]}")
        return pd.concat([found[p] for p in wanted.tolist()]) if len(wanted) else self.select()

    def _keep(self, selected: pd.DataFrame) -> pd.DataFrame:
        if self._dropped is None:
            return selected
        return selected[~np.isin(selected["order"].to_numpy(), self._dropped)]

    def _grouped_rows(self) -> RowsByEvent:
        if self._grouped is None:
            history = self._on_disk()
            grouped = _GROUPED.get(history)
            if grouped is None or len(grouped) != len(history):  # rows recorded since
                folder = history.spill_folder
                if folder is None:
                    raise ValueError("a history on disk has no folder for its grouped rows")
                grouped = RowsByEvent(history, folder / "by-event")
                _GROUPED[history] = grouped
            self._grouped = grouped
        return self._grouped

    def _on_disk(self) -> RowSource:
        if self._disk is None:
            raise ValueError("this table reads a frame, not a history on disk")
        return self._disk

    def _records_frame(self, records: dict[str, np.ndarray]) -> pd.DataFrame:
        """A history frame from grouped columns (``position`` becomes the index)."""
        columns: dict[str, object] = {}
        for name, values in records.items():
            if name == "position":
                continue
            if name in self._categories:
                # the stored unsigned codes as they are: a wider copy first would cost
                # four bytes a row more at the peak
                columns[name] = pd.Categorical.from_codes(values, categories=self._categories[name])
            else:
                columns[name] = values
        index = pd.Index(records["position"], dtype=np.int64, copy=False)  # a fresh array
        return pd.DataFrame(columns, index=index, copy=False)


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
                cols["event"], categories=pd.Index(history.events.names)
            ),
            "actor": pd.Categorical.from_codes(
                cols["actor"], categories=pd.Index(history.actors.names)
            ),
            "order": cols["order"],
            "subject": cols["subject"],
            "status": pd.Categorical.from_codes(
                cols["status"], categories=pd.Index(history.statuses.names)
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


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its name columns categorical (a copy only when one is not)."""
    plain = [n for n in _NAME_COLUMNS if not isinstance(frame[n].dtype, pd.CategoricalDtype)]
    if not plain:
        return frame
    return frame.assign(**{name: frame[name].astype("category") for name in plain})


Rows = HistoryTable | pd.DataFrame
"""What the selectors accept: a :class:`HistoryTable`, or a history frame."""
