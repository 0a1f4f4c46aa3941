"""Write an :class:`~sim.export.ocel.OcelLog` in the OCEL 2.0 JSON format.

The document has ``objectTypes`` and ``eventTypes`` (each with its typed attributes),
``objects`` (id, type, attributes each with the ``time`` from which it holds, and
relationships to other objects with a qualifier) and ``events`` (id, type, time, attributes
and relationships to objects with a qualifier), as the OCEL 2.0 specification defines it
(ocel-standard.org). Objects are written by type, then id; events in history order.

Each object's and event's JSON text is assembled column-wise with Arrow string kernels
rather than one ``json.dumps`` per record: names and strings are escaped once per distinct
value (``json.dumps``), numbers are cast to text by Arrow, and an object's timed attributes
and relations are joined per object as Arrow lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.export.ocel import EventTable, Kind, ObjectTable, OcelLog

__all__ = ["write_ocel_json"]

_CHUNK = 100_000
"""Events per batch, and records per write: bounds the text held at once."""


def _join(*parts: object) -> pa.Array:
    """Row-wise concatenation of string arrays and scalars; null where any part is null.

    (Not ``null_handling="skip"``: with pyarrow 26 it drops leading all-null rows.)
    """
    return pc.binary_join_element_wise(*parts, "")


def _arrow(values: object) -> pa.Array:
    """A column as one Arrow array (pandas' Arrow-backed strings come as chunked arrays)."""
    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def _text(log: OcelLog, values: object, kind: Kind) -> pa.Array:
    """The JSON text of each value (a quoted, escaped string or a number); null if missing."""
    if kind == "time":
        return _join('"', log.times(np.asarray(values, dtype="float64")), '"')
    array = _arrow(values)
    if kind == "string":
        if not pa.types.is_dictionary(array.type):
            array = pc.dictionary_encode(array.cast(pa.string()))
        dictionary = [json.dumps(str(name)) for name in array.dictionary.to_pylist()]
        return pa.DictionaryArray.from_arrays(
            array.indices, pa.array(dictionary, pa.string())
        ).dictionary_decode()
    if kind == "integer":
        return array.cast(pa.int64()).cast(pa.string())
    array = array.cast(pa.float64())
    return pc.if_else(pc.is_finite(array), array, pa.scalar(None, pa.float64())).cast(pa.string())


def _fragments(parts: list[pa.Array]) -> pa.Array | str:
    """Per row, the comma-separated fragments (each given ending in a comma, or null)."""
    if not parts:
        return ""
    joined = (
        _join(*(pc.fill_null(part, "") for part in parts))
        if len(parts) > 1
        else (pc.fill_null(parts[0], ""))
    )
    return pc.utf8_rtrim(joined, characters=",")


def _attribute(name: str, text: pa.Array, time: pa.Array | None = None) -> pa.Array:
    head = '{"name":' + json.dumps(name)
    if time is None:
        return _join(head + ',"value":', text, "},")
    return _join(head + ',"time":"', time, '","value":', text, "},")


def _relationship(ids: pa.Array, qualifier: str | pa.Array) -> pa.Array:
    if isinstance(qualifier, str):
        return _join('{"objectId":"', ids, '","qualifier":' + json.dumps(qualifier) + "},")
    return _join('{"objectId":"', ids, '","qualifier":', qualifier, "},")


def _per_object(known: np.ndarray, numbers: np.ndarray, fragments: pa.Array) -> pa.Array:
    """Fragments ordered by object number, joined per number of ``known`` ("" for none).

    Every number is one of ``known`` (ascending), so each object's fragments are one
    contiguous slice: an Arrow list per object, joined by one kernel call.
    """
    offsets = np.append(np.searchsorted(numbers, known, side="left"), len(numbers))
    lists = pa.ListArray.from_arrays(pa.array(offsets.astype("int32")), fragments)
    return pc.binary_join(lists, "")


def _types(names: list[str], attributes: list[list[tuple[str, str]]]) -> list[dict[str, object]]:
    return [
        {"name": name, "attributes": [{"name": a, "type": k} for a, k in attrs]}
        for name, attrs in zip(names, attributes, strict=True)
    ]


def _event_texts(log: OcelLog, table: EventTable, frame: pd.DataFrame) -> pa.Array:
    """The JSON text of each event of ``frame`` (rows of one event table)."""
    attrs = [_attribute(a.name, _text(log, frame[a.name], a.kind)) for a in table.attributes]
    links = [
        _relationship(
            log.object_ids(link.object_type, frame[f"@{link.qualifier}"].to_numpy()),
            link.qualifier,
        )
        for link in table.links
    ]
    return _join(
        '{"id":"',
        log.event_ids(frame["row"].to_numpy()),
        '","type":' + json.dumps(table.name) + ',"time":"',
        log.times(frame["t"].to_numpy()),
        '","attributes":[',
        _fragments(attrs),
        '],"relationships":[',
        _fragments(links),
        "]}",
    )


def _events(log: OcelLog) -> Iterator[pa.Array]:
    """The events' JSON texts in history order, a batch of about ``_CHUNK`` at a time.

    Each batch takes a range of history rows from every event table, so no text array
    holds more than a batch (memory stays bounded and string offsets cannot overflow).
    """
    rows = [t.frame["row"].to_numpy() for t in log.events]
    every = np.sort(np.concatenate(rows)) if rows else np.zeros(0, "int64")
    for start in range(0, len(every), _CHUNK):
        first, last = every[start], every[min(start + _CHUNK, len(every)) - 1]
        texts, positions = [], []
        for table, table_rows in zip(log.events, rows, strict=True):
            lo = int(np.searchsorted(table_rows, first, side="left"))
            hi = int(np.searchsorted(table_rows, last, side="right"))
            if lo < hi:
                texts.append(_event_texts(log, table, table.frame.iloc[lo:hi]))
                positions.append(table_rows[lo:hi])
        order = np.argsort(np.concatenate(positions), kind="stable")
        yield pa.concat_arrays(texts).take(pa.array(order))


def _timed_attributes(log: OcelLog, table: ObjectTable) -> pa.Array | None:
    """Per object, the fragments of its changing attributes, in time order."""
    changes = table.changes
    if not len(changes):
        return None
    kinds = dict(table.attributes)
    fields = changes["field"].to_numpy(dtype=object)
    texts, positions = [], []
    for name in dict.fromkeys(fields.tolist()):
        at = np.flatnonzero(fields == name)
        part = changes.iloc[at]
        texts.append(
            _attribute(
                name,
                _text(log, part["value"].reset_index(drop=True), kinds[name]),
                log.times(part["t"].to_numpy()),
            )
        )
        positions.append(at)
    inverse = np.empty(len(changes), dtype="int64")
    inverse[np.concatenate(positions)] = np.arange(len(changes))
    fragments = pa.concat_arrays(texts).take(pa.array(inverse))
    return _per_object(table.base["number"].to_numpy(), changes["number"].to_numpy(), fragments)


def _relationships(log: OcelLog, table: ObjectTable) -> pa.Array | str:
    o2o = log.o2o
    mine = o2o[(o2o["source_type"] == table.name).to_numpy()]
    if not len(mine):
        return ""
    fragments = _relationship(
        log.object_ids(mine["target_type"], mine["target"]),
        _text(log, mine["qualifier"].reset_index(drop=True), "string"),
    )
    joined = _per_object(table.base["number"].to_numpy(), mine["source"].to_numpy(), fragments)
    return pc.utf8_rtrim(joined, characters=",")


def _objects(log: OcelLog) -> pa.Array:
    texts = []
    for table in log.objects:
        base = table.base
        kinds = dict(table.attributes)
        time = log.times(base["t"].to_numpy())
        parts = [
            _attribute(name, _text(log, base[name], kinds[name]), time)
            for name in base.columns
            if name not in ("number", "t")
        ]
        timed = _timed_attributes(log, table)
        if timed is not None:
            parts.append(timed)
        texts.append(
            _join(
                '{"id":"',
                log.object_ids(table.name, base["number"].to_numpy()),
                '","type":' + json.dumps(table.name) + ',"attributes":[',
                _fragments(parts),
                '],"relationships":[',
                _relationships(log, table),
                "]}",
            )
        )
    return pa.concat_arrays(texts) if texts else pa.array([], pa.string())


def _write_records(out: BinaryIO, batches: Iterable[pa.Array]) -> None:
    """The records, comma-separated: each chunk joined by Arrow and written as its bytes."""
    first = True
    for batch in batches:
        for start in range(0, len(batch), _CHUNK):
            chunk = batch.slice(start, _CHUNK)
            whole = pa.ListArray.from_arrays(pa.array([0, len(chunk)], pa.int32()), chunk)
            if not first:
                out.write(b",\n")
            out.write(pc.binary_join(whole, ",\n")[0].as_buffer())
            first = False


def write_ocel_json(log: OcelLog, path: Path) -> Path:
    """Write ``log`` to ``path`` as OCEL 2.0 JSON (UTF-8); returns ``path``."""
    object_types = _types([t.name for t in log.objects], [list(t.attributes) for t in log.objects])
    event_types = _types(
        [t.name for t in log.events],
        [[(a.name, a.kind) for a in t.attributes] for t in log.events],
    )
    with path.open("wb") as out:
        out.write(('{"objectTypes":' + json.dumps(object_types)).encode())
        out.write((',\n"eventTypes":' + json.dumps(event_types)).encode())
        out.write(b',\n"objects":[\n')
        _write_records(out, [_objects(log)])
        out.write(b'\n],\n"events":[\n')
        _write_records(out, _events(log))
        out.write(b"\n]}\n")
    return path
