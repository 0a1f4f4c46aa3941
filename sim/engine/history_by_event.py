"""A spilled history regrouped by event type on disk, so one event's rows read back alone.

Metrics and checkers ask a history for the rows of a few event types at a time
(``erp.order_created``, ``endpoint.call``...). A history held in memory answers with a
mask over its event column; a spilled one (a long run: tens of millions of rows in
Parquet parts) would have to read every part back for each question, or hold every row
at once. :class:`RowsByEvent` instead sorts the rows by event once, after the run, with a
counting sort that streams the parts: one pass counts each event's rows, a second writes
each part's rows, stably grouped by event, to that event's slot of one flat file of packed
records. Reading an event's rows is then one contiguous read of exactly those records,
and memory holds only what was asked for.

Each record is the row's eight columns (:data:`~sim.engine.history.COLUMNS`) after
its ``position``: its row number in the whole history, which keeps the row order
(records of one event are in row order; rows of several events are merged by position)
and names the row in a checker's witness. The file lives in the history's spill folder
and goes with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sim.engine.history import COLUMNS, History

__all__ = ["RECORD_DTYPE", "RowsByEvent"]

RECORD_DTYPE = np.dtype([("position", np.int64), *((name, dtype) for name, _, dtype in COLUMNS)])
"""One record of the grouped file: the row's position, then its eight columns."""


class RowsByEvent:
    """The rows of a history grouped by event code in one file under ``folder``.

    Built in two streaming passes over the history's parts; memory holds one part at a
    time. The history must not record further rows (a finished run's history).
    """

    def __init__(self, history: History, folder: Path) -> None:
        codes = len(history.events.names)
        counts = np.zeros(codes, dtype=np.int64)
        for chunk in history.chunks("event"):
            counts += np.bincount(chunk, minlength=codes)[:codes]
        self._offsets = np.concatenate(([0], np.cumsum(counts)))
        self._counts = counts
        self._rows = int(self._offsets[-1])
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "rows-by-event.bin"
        size = RECORD_DTYPE.itemsize
        cursor = self._offsets[:-1].copy()
        position = 0
        with open(self.path, "wb") as out:
            out.truncate(self._rows * size)
            for part in history.parts():
                events = part["event"]
                order = np.argsort(events, kind="stable")
                records = np.empty(len(order), dtype=RECORD_DTYPE)
                records["position"] = order + position
                for name, _, _ in COLUMNS:
                    records[name] = part[name][order]
                bounds = np.searchsorted(events[order], np.arange(codes + 1))
                for code in np.flatnonzero(np.diff(bounds)).tolist():
                    low, high = int(bounds[code]), int(bounds[code + 1])
                    out.seek(int(cursor[code]) * size)
                    records[low:high].tofile(out)
                    cursor[code] += high - low
                position += len(order)
        if position != self._rows:
            raise ValueError(f"{self.path}: grouped {position} rows, counted {self._rows}")

    def __len__(self) -> int:
        return self._rows

    def counts(self) -> np.ndarray:
        """Rows per event code (index: the code)."""
        return self._counts.copy()

    def read(self, codes: Iterable[int]) -> np.ndarray:
        """The records of the given event codes, in row order (a fresh structured array)."""
        wanted = sorted({int(code) for code in codes if 0 <= code < len(self._counts)})
        pieces = [
            np.fromfile(
                self.path,
                dtype=RECORD_DTYPE,
                count=int(self._counts[code]),
                offset=int(self._offsets[code]) * RECORD_DTYPE.itemsize,
            )
            for code in wanted
            if self._counts[code]
        ]
        if not pieces:
            return np.empty(0, dtype=RECORD_DTYPE)
        if len(pieces) == 1:
            return pieces[0]
        records = np.concatenate(pieces)
        return records[np.argsort(records["position"], kind="stable")]
