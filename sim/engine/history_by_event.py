"""A spilled history regrouped by event type on disk, so one event's rows read back alone.

Metrics and checkers ask a history for the rows of a few event types at a time
(``erp.order_created``, ``endpoint.call``...). A history held in memory answers with a
mask over its event column; a spilled one (a long run: tens of millions of rows in
Parquet parts) would have to read every part back for each question, or hold every row
at once. :class:`RowsByEvent` instead sorts the rows by event once, after the run, with a
counting sort that streams the parts: one pass counts each event's rows, a second writes
each part's rows, stably grouped by event, into that event's slot of every column of one
flat file. Reading an event's rows is then one contiguous read per column of exactly
those values, and memory holds only what was asked for.

Beside the history's eight columns (:data:`~sim.engine.history.COLUMNS`) the file keeps
each row's ``position``: its row number in the whole history, which keeps the row order
(one event's rows are in row order; rows of several events are merged by position) and
names the row in a checker's witness. The file lives in the history's spill folder and
goes with it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np

from sim.engine.history import COLUMNS
from sim.engine.vocabulary import Vocabulary

__all__ = ["GROUPED_COLUMNS", "RowSource", "RowsByEvent"]


class RowSource(Protocol):
    """What a history on disk gives to be regrouped.

    A live spilled :class:`~sim.engine.history.History`, or a
    :class:`~sim.engine.history_stored.StoredHistory` read back from Parquet.
    """

    events: Vocabulary
    actors: Vocabulary
    statuses: Vocabulary

    def __len__(self) -> int:
        """Rows in the history."""

    @property
    def spilled_rows(self) -> int:
        """Rows on disk."""

    @property
    def spill_folder(self) -> Path | None:
        """Where the grouped rows go (beside the parts)."""

    def chunks(self, name: str) -> Iterator[np.ndarray]:
        """One column piece by piece, names as codes."""

    def parts(self) -> Iterator[dict[str, np.ndarray]]:
        """Every column piece by piece."""


GROUPED_COLUMNS: tuple[tuple[str, np.dtype[Any]], ...] = (
    ("position", np.dtype(np.int64)),
    *((name, np.dtype(dtype)) for name, _, dtype in COLUMNS),
)
"""The grouped file's columns: each row's position, then the history's eight columns."""


class RowsByEvent:
    """The rows of a history grouped by event code, column by column, in one file.

    The file holds each column of :data:`GROUPED_COLUMNS` whole, one after the other, and
    each column's values sorted by event code (stably: row order within an event). Built
    in streaming passes over the history's parts (one to count, one per column to write);
    memory holds one column of one part at a time.
    The history must not record further rows (a finished run's history).
    """

    def __init__(self, history: RowSource, folder: Path) -> None:
        codes = len(history.events.names)
        counts = np.zeros(codes, dtype=np.int64)
        for chunk in history.chunks("event"):
            counts += np.bincount(chunk, minlength=codes)[:codes]
        self._offsets = np.concatenate(([0], np.cumsum(counts)))
        self._counts = counts
        self._rows = int(self._offsets[-1])
        self._starts: dict[str, int] = {}
        start = 0
        for name, dtype in GROUPED_COLUMNS:
            self._starts[name] = start
            start += self._rows * dtype.itemsize
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "rows-by-event.bin"
        with open(self.path, "wb") as out:
            out.truncate(start)
            for name, dtype in GROUPED_COLUMNS:
                written = self._write_column(out, history, name, dtype, codes)
                if written != self._rows:
                    raise ValueError(
                        f"{self.path}: grouped {written} rows of {name!r}, counted {self._rows}"
                    )
        _release_arrow_memory()

    def _write_column(
        self, out: BinaryIO, history: RowSource, name: str, dtype: np.dtype[Any], codes: int
    ) -> int:
        """Write one column, part by part, each part's values into their events' slots.

        Reads the event column and this column of one part at a time (the part's order by
        event is recomputed per column: cheaper than keeping it for every row).
        """
        cursor = self._offsets[:-1].copy()
        values_of = history.chunks(name) if name != "position" else None
        position = 0
        for events in history.chunks("event"):
            order = np.argsort(events, kind="stable")
            bounds = np.searchsorted(events[order], np.arange(codes + 1))
            if values_of is None:
                values = (order + position).astype(dtype)
            else:
                values = np.ascontiguousarray(next(values_of)[order], dtype=dtype)
            for code in np.flatnonzero(np.diff(bounds)).tolist():
                out.seek(self._starts[name] + int(cursor[code]) * dtype.itemsize)
                values[bounds[code] : bounds[code + 1]].tofile(out)
            cursor += np.diff(bounds)[:codes]
            position += len(order)
        return position

    def __len__(self) -> int:
        return self._rows

    def counts(self) -> np.ndarray:
        """Rows per event code (index: the code)."""
        return self._counts.copy()

    def read(
        self, codes: Iterable[int], columns: Collection[str] | None = None
    ) -> dict[str, np.ndarray]:
        """The columns of the rows of the given event codes, in row order (fresh arrays).

        ``columns`` picks the history columns to read (default: all eight); ``position``
        always comes first.

        Each column is read straight into its own array, one event's slice at a time, so
        memory holds the asked rows once (and one column more while several events are
        put back in row order).
        """
        wanted = [
            code
            for code in sorted({int(code) for code in codes})
            if 0 <= code < len(self._counts) and self._counts[code]
        ]
        order: np.ndarray | None = None
        out: dict[str, np.ndarray] = {}
        for name, dtype in GROUPED_COLUMNS:
            if columns is not None and name != "position" and name not in columns:
                continue
            pieces = [
                np.fromfile(
                    self.path,
                    dtype=dtype,
                    count=int(self._counts[code]),
                    offset=self._starts[name] + int(self._offsets[code]) * dtype.itemsize,
                )
                for code in wanted
            ]
            if not pieces:
                out[name] = np.empty(0, dtype=dtype)
                continue
            values = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
            del pieces
            if len(wanted) > 1:
                if order is None:
                    order = np.argsort(values, kind="stable")  # the positions come first
                values = values[order]
            out[name] = values
        return out


def _release_arrow_memory() -> None:
    """Hand back the memory pyarrow's pool kept from reading the parts (about a part's worth).

    pyarrow's allocator keeps freed pages for reuse; after the grouping no more parts are
    read in bulk, so what it holds would only raise the metrics' peak.
    """
    import sys

    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
