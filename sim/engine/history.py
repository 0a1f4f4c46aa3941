"""The columnar history recorder: one typed row per simulated step.

Every state change in a run is one row of eight typed columns::

    time     float64  simulated seconds since the run's start
    event    uint16   what happened, dictionary-encoded ("erp.order_created")
    actor    uint16   who did it, dictionary-encoded ("erp", "endpoint:erp.create_order")
    order    int32    the order (correlation) number, -1 when none
    subject  int32    a second entity number (line, shipment, message, customer), -1 when none
    status   uint16   a state, reason or outcome, dictionary-encoded ("" is code 0)
    value    float64  a quantity, amount or duration (NaN when none)
    value2   float64  a second number, e.g. a source timestamp or a wait (NaN when none)

That is 38 bytes of payload per row. Rows are packed one after another into a single
``bytearray`` that grows geometrically (one ``struct`` pack and one append per row, the
cheapest way CPython has to store eight typed numbers), so a run costs well under 64 bytes
per row; readers see each column as a numpy field of the packed rows. Metrics and checkers
read only this history; nothing else of a run is kept.

A long run bounds that memory by spilling: :meth:`History.spill` writes the rows in memory
as a Parquet part (:class:`~sim.engine.history_spill.SpillStore`) and clears them, and
:meth:`History.spill_if_over` does so when the rows in memory exceed a budget (``sim.run``
checks it as the run goes). Every reader (:meth:`History.columns`, :meth:`History.chunks`,
:meth:`History.content_hash`, :meth:`History.to_arrow`, :meth:`History.write_parquet`)
sees the spilled rows followed by the rows in memory, so a spilled history reads, hashes
and writes exactly as the same history kept whole.

A history pickles as its data alone (the eight columns, as ``array.array`` raw bytes, and
the three vocabularies' names), so a run can execute in a worker process and send its history back;
the unpickled copy rebuilds its :attr:`History.record` closure and can be read (or even
appended to) exactly like the original. A spilled history pickles whole: its parts are read
back into the pickled columns, so the copy holds every row in memory.
"""

from __future__ import annotations

import hashlib
import math
import struct
import sys
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sim.engine.history_arrow import arrow_table
from sim.engine.history_spill import SpillStore
from sim.engine.vocabulary import Vocabulary

__all__ = [
    "History",
    "Vocabulary",
    "RowRecorder",
    "COLUMNS",
    "HISTORY_FORMAT",
    "HISTORY_FORMAT_KEY",
    "NONE",
]

NONE = -1
"""The ``order``/``subject`` value meaning "no entity"."""

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("time", "d", "float64"),
    ("event", "H", "uint16"),
    ("actor", "H", "uint16"),
    ("order", "i", "int32"),
    ("subject", "i", "int32"),
    ("status", "H", "uint16"),
    ("value", "d", "float64"),
    ("value2", "d", "float64"),
)
"""Column name, ``array``/``struct`` typecode and numpy dtype, in storage order."""

ROW = struct.Struct("=" + "".join(typecode for _, typecode, _ in COLUMNS))
"""One packed row: the columns' typecodes, native byte order, no padding (38 bytes)."""

ROW_DTYPE = np.dtype([(name, np.dtype(dtype)) for name, _, dtype in COLUMNS])
"""The numpy view of a packed row (the same 38 bytes; each column is a field)."""

assert ROW.size == ROW_DTYPE.itemsize

HISTORY_FORMAT = 2
"""Version of the history's layout (:data:`COLUMNS` and what the rows mean), written into
``run.json`` and ``history.parquet``'s schema metadata. Raise it whenever a column or an
event's meaning changes, so a reader refuses a history it would misread."""

HISTORY_FORMAT_KEY = b"o2csim.history_format"
"""The Parquet schema metadata key that carries :data:`HISTORY_FORMAT`."""

_NAN = math.nan


class RowRecorder(Protocol):
    """The signature of :attr:`History.record`."""

    def __call__(
        self,
        time: float,
        event: int,
        actor: int,
        order: int = ...,
        subject: int = ...,
        status: int = ...,
        value: float = ...,
        value2: float = ...,
    ) -> None:
        """Append one row."""


class History:
    """Append-only columnar record of a run.

    Components resolve their names to codes once (``event_code`` and friends) and then call
    :meth:`record` with plain numbers, which keeps the hot path to one packed append.
    """

    def __init__(self, spill_dir: Path | None = None) -> None:
        self._spill = SpillStore(COLUMNS, spill_dir)
        self._peak_in_memory = 0
        self.events = Vocabulary()
        self.actors = Vocabulary()
        self.statuses = Vocabulary([""])
        self._rows = bytearray()
        self.record: RowRecorder = self._recorder()
        """Append one row: ``record(time, event, actor, order, subject, status, value, value2)``
        with codes as returned by the ``*_code`` methods."""

    def event_code(self, name: str) -> int:
        """Code of an event type."""
        return self.events.code(name)

    def actor_code(self, name: str) -> int:
        """Code of an actor (system, endpoint, integration component)."""
        return self.actors.code(name)

    def status_code(self, name: str) -> int:
        """Code of a status, reason or outcome; ``""`` is 0."""
        return self.statuses.code(name)

    def _recorder(self) -> RowRecorder:
        """Build :meth:`record` as a closure over the packed rows' append (the hot path)."""
        append = self._rows.extend
        pack = ROW.pack

        def record(
            time: float,
            event: int,
            actor: int,
            order: int = NONE,
            subject: int = NONE,
            status: int = 0,
            value: float = _NAN,
            value2: float = _NAN,
        ) -> None:
            """Append one row (codes as returned by the ``*_code`` methods)."""
            append(pack(time, event, actor, order, subject, status, value, value2))

        return record

    def __len__(self) -> int:
        return self._spill.rows + self.rows_in_memory

    @property
    def rows_in_memory(self) -> int:
        """Rows held in memory (the rest are spilled)."""
        return len(self._rows) // ROW.size

    @property
    def spilled_rows(self) -> int:
        """Rows written to Parquet parts and no longer in memory."""
        return self._spill.rows

    @property
    def spills(self) -> int:
        """How many times the rows in memory were spilled."""
        return self._spill.parts

    @property
    def peak_rows_in_memory(self) -> int:
        """The most rows held in memory at once, as seen by :meth:`spill` and now."""
        return max(self._peak_in_memory, self.rows_in_memory)

    def spill(self) -> None:
        """Write the rows in memory as one Parquet part and clear them.

        The rows are cleared in place, so :attr:`record` (bound to their ``extend``
        method, and cached by components) keeps working. A numpy view from
        :meth:`columns` still alive pins the rows; spilling then fails loudly.
        """
        self._peak_in_memory = self.peak_rows_in_memory
        if not self.rows_in_memory:
            return
        self._spill.write(self._memory_columns())
        try:
            del self._rows[:]
        except BufferError as error:
            raise BufferError(
                "a history cannot spill while a numpy view of its columns is alive "
                "(drop the arrays History.columns() returned before the run goes on)"
            ) from error

    def spill_if_over(self, budget_rows: int) -> bool:
        """Spill when more than ``budget_rows`` rows are in memory; True if it spilled."""
        if self.rows_in_memory <= budget_rows:
            return False
        self.spill()
        return True

    def __getstate__(self) -> dict[str, Any]:
        """The pickled state: vocabularies and columns, never the ``record`` closure.

        ``record`` is a closure over the rows' bound ``extend`` method (a local function
        pickle cannot name), so it is left out and rebuilt by :meth:`__setstate__`. Each
        column pickles as an ``array.array``: its typecode and raw bytes. A spilled
        history's parts are read back into whole columns first.
        """
        whole = self.columns()
        return {
            "events": self.events,
            "actors": self.actors,
            "statuses": self.statuses,
            "columns": {
                name: array(typecode, np.ascontiguousarray(whole[name]).tobytes())
                for name, typecode, _ in COLUMNS
            },
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        columns: dict[str, array] = state["columns"]  # type: ignore[type-arg]
        if set(columns) != {name for name, _, _ in COLUMNS}:
            raise ValueError(f"a pickled history has the columns {sorted(columns)}")
        for name, typecode, _ in COLUMNS:
            if not isinstance(columns[name], array) or columns[name].typecode != typecode:
                raise ValueError(f"a pickled history's {name!r} column is not array({typecode!r})")
        if len({len(buf) for buf in columns.values()}) > 1:
            raise ValueError("a pickled history's columns differ in length")
        self.events = state["events"]
        self.actors = state["actors"]
        self.statuses = state["statuses"]
        rows = np.empty(len(columns["time"]), dtype=ROW_DTYPE)
        for name, _, dtype in COLUMNS:
            rows[name] = np.frombuffer(columns[name], dtype=dtype)
        self._rows = bytearray(rows.tobytes())
        self._spill = SpillStore(COLUMNS)
        self._peak_in_memory = 0
        self.record = self._recorder()

    def _memory_columns(self) -> dict[str, np.ndarray]:
        """The rows in memory as zero-copy column views (numpy fields of the packed rows)."""
        if not self._rows:
            return {name: np.empty(0, dtype=dtype) for name, _, dtype in COLUMNS}
        rows = np.frombuffer(self._rows, dtype=ROW_DTYPE)
        return {name: rows[name] for name, _, _ in COLUMNS}

    @property
    def nbytes(self) -> int:
        """Bytes held in memory by the packed rows, including their spare capacity."""
        return sys.getsizeof(self._rows)

    def columns(self, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """The columns ``names`` (default: all eight) as numpy arrays, in row order.

        An unspilled history gives zero-copy (strided) views of its packed rows, valid
        until the next ``record``; a spilled one reads only the asked columns back from its
        parts into fresh arrays.
        """
        wanted = _column_names(names)
        if not self._spill.rows:
            memory = self._memory_columns()
            return {name: memory[name] for name, _, _ in COLUMNS if name in wanted}
        total = len(self)
        out: dict[str, np.ndarray] = {}
        for name, _, dtype in COLUMNS:
            if name not in wanted:
                continue
            column = np.empty(total, dtype=dtype)
            start = 0
            for chunk in self.chunks(name):
                column[start : start + len(chunk)] = chunk
                start += len(chunk)
            out[name] = column
        return out

    def chunks(self, name: str) -> Iterator[np.ndarray]:
        """The column ``name`` piece by piece: each spilled part, then the rows in memory."""
        _column_names((name,))
        yield from self._spill.chunks(name)
        if self._rows:
            yield self._memory_columns()[name]

    def parts(self) -> Iterator[dict[str, np.ndarray]]:
        """Every column piece by piece: each spilled part, then the rows in memory."""
        yield from self._spill.tables()
        if self._rows:
            yield self._memory_columns()

    @property
    def spill_folder(self) -> Path | None:
        """The folder of the spilled parts (``None`` before the first spill)."""
        return self._spill.folder

    def select(self, event: str) -> list[dict[str, float | int | str]]:
        """The rows of one event type, decoded (for tests, notebooks and debugging)."""
        code = self.events.find(event)
        if code is None:
            return []
        cols = self.columns()
        return [
            {
                "time": float(cols["time"][i]),
                "actor": self.actors.name(int(cols["actor"][i])),
                "order": int(cols["order"][i]),
                "subject": int(cols["subject"][i]),
                "status": self.statuses.name(int(cols["status"][i])),
                "value": float(cols["value"][i]),
                "value2": float(cols["value2"][i]),
            }
            for i in np.flatnonzero(cols["event"] == code)
        ]

    def content_hash(self) -> str:
        """SHA-256 over every column and vocabulary: equal iff the histories are identical.

        Each column's name, then its bytes in row order: a spilled history streams its
        parts through the digest one column chunk at a time, giving the same digest.
        """
        digest = hashlib.sha256()
        for name, _, _ in COLUMNS:
            digest.update(name.encode())
            for chunk in self.chunks(name):
                digest.update(np.ascontiguousarray(chunk).data.cast("B"))
        for vocabulary in (self.events, self.actors, self.statuses):
            digest.update("\x1f".join(vocabulary.names).encode())
            digest.update(b"\x1e")
        return digest.hexdigest()

    def to_arrow(self) -> object:
        """The history as a ``pyarrow.Table`` with dictionary-typed name columns."""
        return self._arrow(self.columns())

    def write_parquet(self, path: Path, compression: str = "zstd") -> None:
        """Write the history as ``to_arrow`` would, one row group per spilled part.

        Streams: only one part (and then the rows in memory) is held decoded at a time,
        so writing a spilled history needs no more memory than its budget.
        """
        import pyarrow.parquet as pq

        empty = self._arrow({name: np.empty(0, dtype=dtype) for name, _, dtype in COLUMNS})
        with pq.ParquetWriter(path, empty.schema, compression=compression) as writer:
            iterators = [self.chunks(name) for name, _, _ in COLUMNS]
            for pieces in zip(*iterators, strict=True):
                part = dict(zip((name for name, _, _ in COLUMNS), pieces, strict=True))
                writer.write_table(self._arrow(part))
            if not len(self):
                writer.write_table(empty)

    def _arrow(self, cols: dict[str, np.ndarray]) -> Any:
        """A ``pyarrow.Table`` of the given columns, names dictionary-typed."""
        return arrow_table(
            cols,
            {"event": self.events, "actor": self.actors, "status": self.statuses},
            {HISTORY_FORMAT_KEY: str(HISTORY_FORMAT).encode()},
        )


def _column_names(names: Sequence[str] | None) -> set[str]:
    """The asked column names, checked against :data:`COLUMNS` (all of them for ``None``)."""
    known = [name for name, _, _ in COLUMNS]
    if names is None:
        return set(known)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise KeyError(f"unknown history column(s) {unknown}; the columns are {known}")
    return set(names)
