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

That is 38 bytes of payload per row, held in ``array.array`` buffers that grow
geometrically, so a run costs well under 64 bytes per row. Metrics and checkers read only
this history; nothing else of a run is kept.

A history pickles as its data alone (the eight column buffers, as raw bytes, and the three
vocabularies' names), so a run can execute in a worker process and send its history back;
the unpickled copy rebuilds its :attr:`History.record` closure and can be read (or even
appended to) exactly like the original.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np

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
"""Column name, ``array`` typecode and numpy dtype, in storage order."""

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


class Vocabulary:
    """A dictionary encoding: names to small integer codes, in order of first use."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._codes: dict[str, int] = {}
        self._names: list[str] = []
        for name in names:
            self.code(name)

    def code(self, name: str) -> int:
        """The code for ``name``, assigning the next free one on first use."""
        code = self._codes.get(name)
        if code is None:
            code = len(self._names)
            if code > 0xFFFF:
                raise OverflowError("a vocabulary holds at most 65,536 names")
            self._codes[name] = code
            self._names.append(name)
        return code

    def name(self, code: int) -> str:
        """The name behind ``code``."""
        return self._names[code]

    def find(self, name: str) -> int | None:
        """The code for ``name`` if it was ever used, else ``None``."""
        return self._codes.get(name)

    @property
    def names(self) -> list[str]:
        """All names, indexed by code."""
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __getstate__(self) -> list[str]:
        """Pickle only the names: the name-to-code table is rebuilt from them."""
        return list(self._names)

    def __setstate__(self, state: list[str]) -> None:
        self._names = list(state)
        self._codes = {name: code for code, name in enumerate(self._names)}
        if len(self._codes) != len(self._names):
            raise ValueError("a pickled vocabulary repeats a name")


class History:
    """Append-only columnar record of a run.

    Components resolve their names to codes once (``event_code`` and friends) and then call
    :meth:`record` with plain numbers, which keeps the hot path to eight typed appends.
    """

    def __init__(self) -> None:
        self.events = Vocabulary()
        self.actors = Vocabulary()
        self.statuses = Vocabulary([""])
        self._time = array("d")
        self._event = array("H")
        self._actor = array("H")
        self._order = array("i")
        self._subject = array("i")
        self._status = array("H")
        self._value = array("d")
        self._value2 = array("d")
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
        """Build :meth:`record` as a closure over the column appends (the hot path)."""
        a_time, a_event, a_actor, a_order, a_subject, a_status, a_value, a_value2 = (
            buf.append for buf in self._buffers()
        )

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
            a_time(time)
            a_event(event)
            a_actor(actor)
            a_order(order)
            a_subject(subject)
            a_status(status)
            a_value(value)
            a_value2(value2)

        return record

    def __len__(self) -> int:
        return len(self._time)

    def __getstate__(self) -> dict[str, Any]:
        """The pickled state: vocabularies and column buffers, never the ``record`` closure.

        ``record`` is a closure over the buffers' bound ``append`` methods (a local function
        pickle cannot name), so it is left out and rebuilt by :meth:`__setstate__`. An
        ``array.array`` pickles as its typecode and raw bytes (no spare capacity).
        """
        return {
            "events": self.events,
            "actors": self.actors,
            "statuses": self.statuses,
            "columns": {
                name: buf for (name, _, _), buf in zip(COLUMNS, self._buffers(), strict=True)
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
        self._time = columns["time"]
        self._event = columns["event"]
        self._actor = columns["actor"]
        self._order = columns["order"]
        self._subject = columns["subject"]
        self._status = columns["status"]
        self._value = columns["value"]
        self._value2 = columns["value2"]
        self.record = self._recorder()

    def _buffers(self) -> tuple[array, ...]:  # type: ignore[type-arg]
        return (
            self._time,
            self._event,
            self._actor,
            self._order,
            self._subject,
            self._status,
            self._value,
            self._value2,
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the column buffers, including their spare capacity."""
        import sys

        return sum(sys.getsizeof(buf) for buf in self._buffers())

    def columns(self) -> dict[str, np.ndarray]:
        """Zero-copy numpy views of the columns (valid until the next ``record``)."""
        return {
            name: np.frombuffer(buf, dtype=dtype) if len(buf) else np.empty(0, dtype=dtype)
            for (name, _, dtype), buf in zip(COLUMNS, self._buffers(), strict=True)
        }

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
        """SHA-256 over every column and vocabulary: equal iff the histories are identical."""
        digest = hashlib.sha256()
        for (name, _, _), buf in zip(COLUMNS, self._buffers(), strict=True):
            digest.update(name.encode())
            digest.update(buf.tobytes())
        for vocabulary in (self.events, self.actors, self.statuses):
            digest.update("\x1f".join(vocabulary.names).encode())
            digest.update(b"\x1e")
        return digest.hexdigest()

    def to_arrow(self) -> object:
        """The history as a ``pyarrow.Table`` with dictionary-typed name columns."""
        import pyarrow as pa

        cols = self.columns()
        arrays: dict[str, object] = {"time": pa.array(cols["time"])}
        for name, vocabulary in (
            ("event", self.events),
            ("actor", self.actors),
        ):
            arrays[name] = pa.DictionaryArray.from_arrays(
                pa.array(cols[name]), pa.array(vocabulary.names, pa.string())
            )
        arrays["order"] = pa.array(cols["order"])
        arrays["subject"] = pa.array(cols["subject"])
        arrays["status"] = pa.DictionaryArray.from_arrays(
            pa.array(cols["status"]), pa.array(self.statuses.names, pa.string())
        )
        arrays["value"] = pa.array(cols["value"])
        arrays["value2"] = pa.array(cols["value2"])
        table = pa.table(arrays)
        return table.replace_schema_metadata({HISTORY_FORMAT_KEY: str(HISTORY_FORMAT).encode()})
