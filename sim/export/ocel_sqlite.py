"""Write an :class:`~sim.export.ocel.OcelLog` in the OCEL 2.0 SQLite format.

The tables the OCEL 2.0 specification (ocel-standard.org) defines: ``event_map_type`` and
``object_map_type`` (type name -> table suffix), ``event`` and ``object`` (id, type),
``event_object`` and ``object_object`` (qualified relations), one ``event_<Type>`` table
per event type (``ocel_id``, ``ocel_time`` and its attributes) and one ``object_<Type>``
table per object type: a row per object with ``ocel_changed_field`` NULL (its first-seen
time and fixed attributes), then a row per change of a changing attribute, naming it in
``ocel_changed_field``. Keys and foreign keys are declared as the standard asks. Rows are
inserted with the standard library's ``sqlite3`` and ``executemany``, in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.export.ocel import OBJECT_IDS, Kind, ObjectTable, OcelLog, type_map_name

__all__ = ["write_ocel_sqlite"]

_SQL_TYPES: dict[str, str] = {
    "string": "TEXT",
    "float": "REAL",
    "integer": "INTEGER",
    "time": "TIMESTAMP",
}

_SCHEMA = """
CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT NOT NULL);
CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT NOT NULL);
CREATE TABLE event (
    ocel_id TEXT PRIMARY KEY,
    ocel_type TEXT NOT NULL REFERENCES event_map_type (ocel_type)
) WITHOUT ROWID;
CREATE TABLE object (
    ocel_id TEXT PRIMARY KEY,
    ocel_type TEXT NOT NULL REFERENCES object_map_type (ocel_type)
) WITHOUT ROWID;
CREATE TABLE event_object (
    ocel_event_id TEXT NOT NULL REFERENCES event (ocel_id),
    ocel_object_id TEXT NOT NULL REFERENCES object (ocel_id),
    ocel_qualifier TEXT NOT NULL,
    PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier)
) WITHOUT ROWID;
CREATE TABLE object_object (
    ocel_source_id TEXT NOT NULL REFERENCES object (ocel_id),
    ocel_target_id TEXT NOT NULL REFERENCES object (ocel_id),
    ocel_qualifier TEXT NOT NULL,
    PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier)
) WITHOUT ROWID;
"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column(values: Any) -> list[Any]:
    """A column as Python values for ``sqlite3`` (None where missing)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return list(values.to_pylist())
    series = pd.Series(values)
    if isinstance(series.dtype, pd.CategoricalDtype):
        names: list[Any] = [*(str(name) for name in series.cat.categories), None]
        return [names[code] for code in series.cat.codes.tolist()]  # code -1: None
    missing = series.isna().to_numpy()
    if isinstance(series.dtype, pd.Int64Dtype):
        numbers = series.to_numpy(dtype="int64", na_value=0).tolist()
        return [None if m else v for v, m in zip(numbers, missing.tolist(), strict=True)]
    if pd.api.types.is_float_dtype(series.dtype):
        floats = series.to_numpy(dtype="float64")
        return [None if v != v else v for v in floats.tolist()]
    objects = series.to_numpy(dtype=object, copy=True)
    if missing.any():
        objects[missing] = None
    return [v.item() if isinstance(v, np.generic) else v for v in objects.tolist()]


def _values(log: OcelLog, values: Any, kind: Kind) -> list[Any]:
    """Attribute values as Python values; times as ISO 8601 text."""
    if kind == "time":
        return _column(log.times(np.asarray(values, dtype="float64")))
    return _column(values)


def _insert(
    con: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[Any]
) -> None:
    names = ", ".join(_quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    con.executemany(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", rows)


def _create(
    con: sqlite3.Connection,
    table: str,
    head: str,
    attributes: Sequence[tuple[str, Kind]],
    tail: str = "",
) -> None:
    columns = [head, *(f"{_quote(name)} {_SQL_TYPES[kind]}" for name, kind in attributes)]
    con.execute(f"CREATE TABLE {_quote(table)} ({', '.join(columns)}){tail}")


def write_ocel_sqlite(log: OcelLog, path: Path) -> Path:
    """Write ``log`` to a new SQLite database at ``path`` (replacing a file there)."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        # a new file written once: no journal; large pages and cache for bulk appends
        for pragma in (
            "page_size = 16384",
            "journal_mode = OFF",
            "synchronous = OFF",
            "cache_size = -65536",
        ):
            con.execute(f"PRAGMA {pragma}")
        con.executescript(_SCHEMA)
        with con:
            _write(con, log)
    finally:
        con.close()
    return path


def _write(con: sqlite3.Connection, log: OcelLog) -> None:
    event_maps = {t.name: type_map_name(t.name) for t in log.events}
    object_maps = {t.name: type_map_name(t.name) for t in log.objects}
    _insert(con, "event_map_type", ("ocel_type", "ocel_type_map"), event_maps.items())
    _insert(con, "object_map_type", ("ocel_type", "ocel_type_map"), object_maps.items())
    _write_events(con, log, event_maps)
    _write_objects(con, log, object_maps)
    _write_relations(con, log)


def _write_events(con: sqlite3.Connection, log: OcelLog, maps: dict[str, str]) -> None:
    # the event table in id (= history) order: its key is appended to, never split
    rows = np.concatenate([t.frame["row"].to_numpy() for t in log.events] or [np.zeros(0, int)])
    kinds = np.concatenate(
        [np.full(len(t.frame), n, dtype="int64") for n, t in enumerate(log.events)]
        or [np.zeros(0, int)]
    )
    order = np.argsort(rows, kind="stable")
    names = [t.name for t in log.events]
    _insert(
        con,
        "event",
        ("ocel_id", "ocel_type"),
        zip(
            _column(log.event_ids(rows[order])),
            [names[k] for k in kinds[order].tolist()],
            strict=True,
        ),
    )
    for table in log.events:
        frame = table.frame
        attributes = [(a.name, a.kind) for a in table.attributes]
        name = "event_" + maps[table.name]
        _create(
            con,
            name,
            "ocel_id TEXT PRIMARY KEY REFERENCES event (ocel_id), ocel_time TIMESTAMP",
            attributes,
            " WITHOUT ROWID",
        )
        columns = [
            _column(log.event_ids(frame["row"].to_numpy())),
            _column(log.times(frame["t"].to_numpy())),
            *(_values(log, frame[a.name], a.kind) for a in table.attributes),
        ]
        _insert(
            con,
            name,
            ("ocel_id", "ocel_time", *(a for a, _ in attributes)),
            zip(*columns, strict=True),
        )


def _change_rows(
    log: OcelLog, table: ObjectTable, ids: list[str], names: list[str]
) -> Iterable[tuple[Any, ...]]:
    """One row per change: id, time, the changed field and its value in that field's column."""
    changes = table.changes
    kinds = dict(table.attributes)
    slot = {name: n for n, name in enumerate(names)}
    numbers = table.base["number"].to_numpy()
    where = np.searchsorted(numbers, changes["number"].to_numpy()).tolist()
    fields = _column(changes["field"])
    values = changes["value"].to_numpy(dtype=object)
    typed: list[Any] = [None] * len(changes)
    for name in dict.fromkeys(fields):
        at = np.flatnonzero(np.asarray(fields, dtype=object) == name)
        for position, value in zip(at.tolist(), _values(log, values[at], kinds[name]), strict=True):
            typed[position] = value
    for at, time, changed, value in zip(
        where, _column(log.times(changes["t"].to_numpy())), fields, typed, strict=True
    ):
        row: list[Any] = [None] * len(names)
        row[slot[changed]] = value
        yield (ids[at], time, changed, *row)


def _write_objects(con: sqlite3.Connection, log: OcelLog, maps: dict[str, str]) -> None:
    for table in sorted(log.objects, key=lambda t: OBJECT_IDS[t.name][0]):  # in id order
        base = table.base
        ids = _column(log.object_ids(table.name, base["number"].to_numpy()))
        _insert(con, "object", ("ocel_id", "ocel_type"), ((i, table.name) for i in ids))
        name = "object_" + maps[table.name]
        _create(
            con,
            name,
            "ocel_id TEXT NOT NULL REFERENCES object (ocel_id), ocel_time TIMESTAMP, "
            "ocel_changed_field TEXT",
            table.attributes,
        )
        names = [a for a, _ in table.attributes]
        columns = ("ocel_id", "ocel_time", "ocel_changed_field", *names)
        kinds = dict(table.attributes)
        fixed = [
            _values(log, base[a], kinds[a]) if a in base.columns else [None] * len(base)
            for a in names
        ]
        _insert(
            con,
            name,
            columns,
            zip(
                ids,
                _column(log.times(base["t"].to_numpy())),
                [None] * len(base),
                *fixed,
                strict=True,
            ),
        )
        if len(table.changes):
            _insert(con, name, columns, _change_rows(log, table, ids, names))


def _write_relations(con: sqlite3.Connection, log: OcelLog) -> None:
    e2o = log.e2o  # ordered by event id, then object id: the key is appended to
    _insert(
        con,
        "event_object",
        ("ocel_event_id", "ocel_object_id", "ocel_qualifier"),
        zip(
            _column(log.event_ids(e2o["row"].to_numpy())),
            _column(log.object_ids(e2o["type"], e2o["number"])),
            _column(e2o["qualifier"]),
            strict=True,
        ),
    )
    o2o = log.o2o
    _insert(
        con,
        "object_object",
        ("ocel_source_id", "ocel_target_id", "ocel_qualifier"),
        zip(
            _column(log.object_ids(o2o["source_type"], o2o["source"])),
            _column(log.object_ids(o2o["target_type"], o2o["target"])),
            _column(o2o["qualifier"]),
            strict=True,
        ),
    )
