"""Shared pieces of the history-only checkers: the verdict, the frame and witness rows.

A checker reads only a run's history, as a :class:`~sim.engine.History` or as a pandas
DataFrame with its eight columns (``pd.read_parquet`` of ``history.parquet`` gives one).
:func:`as_frame` turns either into one frame whose index is the row position, so a stable
sort on ``time`` orders rows by time then position, and witness rows can be named by it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

import numpy as np
import pandas as pd

from sim.engine import COLUMNS, History
from sim.engine.history_stored import StoredHistory
from sim.history_frame import history_frame, rows, rows_at
from sim.history_table import HistoryTable, Rows

__all__ = [
    "COLUMN_NAMES",
    "NAME_COLUMNS",
    "WITNESS_LIMIT",
    "Check",
    "HistoryLike",
    "RunEnd",
    "Verdict",
    "as_frame",
    "as_table",
    "correlation_id",
    "in_order",
    "rows",
    "run_end",
    "witness",
]

HistoryLike: TypeAlias = History | StoredHistory | pd.DataFrame | HistoryTable
"""What a checker accepts: a live history, its DataFrame (e.g. read back from Parquet) or
its :class:`~sim.history_table.HistoryTable`."""

COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _, _ in COLUMNS)
"""The eight history columns, in storage order."""

NAME_COLUMNS: tuple[str, ...] = ("event", "actor", "status")
"""The dictionary-encoded columns (categoricals in a frame)."""

WITNESS_LIMIT = 10
"""At most this many history rows in a verdict's witness."""

RUN_ENDED = "run.ended"
"""The run's last row: ``value`` = messages in flight, ``value2`` = retries/parked work."""


class Check(StrEnum):
    """The invariants of DOMAIN.md, by the name their verdicts carry."""

    NO_LOST_ORDERS = "no_lost_orders"
    NO_PHANTOMS = "no_phantoms"
    NO_DUPLICATES = "no_duplicates"
    CONVERGENCE = "convergence"
    CAUSALITY = "causality"
    MONOTONIC_LIFECYCLE = "monotonic_lifecycle"
    MESSAGE_CONSERVATION = "message_conservation"
    RETURNS = "returns"
    DETERMINISM = "determinism"


@dataclass(frozen=True)
class Verdict:
    """The answer of one checker: valid or not, counts, and the rows that prove a violation."""

    name: str
    valid: bool
    counts: dict[str, int]
    witness: list[dict[str, object]]
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", str(self.name))  # a Check becomes its plain name

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready copy (counts as plain ints, witness rows copied)."""
        return {
            "name": self.name,
            "valid": bool(self.valid),
            "counts": {key: int(value) for key, value in self.counts.items()},
            "witness": [dict(row) for row in self.witness],
            "note": self.note,
        }


@dataclass(frozen=True)
class RunEnd:
    """What the ``run.ended`` row says (``present`` False when the run wrote none)."""

    present: bool
    in_flight: int
    pending: int

    @property
    def quiescent(self) -> bool:
        """True when the run ended with no message in flight and no retry or parked work."""
        return self.present and self.in_flight == 0 and self.pending == 0

    def counts(self) -> dict[str, int]:
        """``in_flight`` and ``pending`` (-1 when unknown) for a verdict's counts."""
        return {"in_flight": self.in_flight, "pending": self.pending}


def as_frame(history: History | pd.DataFrame) -> pd.DataFrame:
    """The history as a frame: the eight columns, names categorical, index = row position.

    A frame that already has that shape is returned as it is (checkers never modify it).
    """
    if isinstance(history, History):
        return history_frame(history)
    missing = [name for name in COLUMN_NAMES if name not in history.columns]
    if missing:
        raise ValueError(f"a history frame needs the columns {missing}")
    index = history.index
    if (
        list(history.columns) == list(COLUMN_NAMES)
        and isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and all(isinstance(history[name].dtype, pd.CategoricalDtype) for name in NAME_COLUMNS)
    ):
        return history
    frame = history.loc[:, list(COLUMN_NAMES)].reset_index(drop=True)
    for name in NAME_COLUMNS:
        if not isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype("category")
    return frame


def as_table(history: HistoryLike) -> HistoryTable:
    """The history as a :class:`~sim.history_table.HistoryTable` (rows asked by event type).

    A live history that spilled is read part by part, never whole; a frame is checked and
    shaped by :func:`as_frame`. A table is returned as it is.
    """
    if isinstance(history, HistoryTable):
        return history
    if isinstance(history, History | StoredHistory):
        return HistoryTable(history)
    return HistoryTable(as_frame(history))


def in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by time, ties kept in row order (the frame must be in row order)."""
    return frame.sort_values("time", kind="stable")


def correlation_id(order: int) -> str:
    """The correlation id of an order number (``O00000042``)."""
    return f"O{order:08d}"


def run_end(frame: Rows) -> RunEnd:
    """The last ``run.ended`` row, or an absent end (never quiescent)."""
    ended = rows(frame, RUN_ENDED)
    if ended.empty:
        return RunEnd(False, -1, -1)
    value, value2 = ended["value"].iloc[-1], ended["value2"].iloc[-1]
    in_flight = -1 if math.isnan(value) else round(value)
    pending = -1 if math.isnan(value2) else round(value2)
    return RunEnd(True, in_flight, pending)


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def witness(
    frame: Rows, labels: Iterable[int], limit: int = WITNESS_LIMIT
) -> list[dict[str, object]]:
    """Decode the rows at ``labels`` (row positions, first ``limit`` distinct ones)."""
    picked = pd.unique(np.fromiter(labels, dtype=np.int64))[:limit]
    found = rows_at(frame, picked)
    decoded: list[dict[str, object]] = []
    for label, (_, row) in zip(picked.tolist(), found.iterrows(), strict=True):
        order = int(row["order"])
        item: dict[str, object] = {
            "row": int(label),
            "time": float(row["time"]),
            "event": str(row["event"]),
            "actor": str(row["actor"]),
            "order": order,
            "subject": int(row["subject"]),
            "status": str(row["status"]),
            "value": _number(row["value"]),
            "value2": _number(row["value2"]),
        }
        if order >= 0:
            item["correlation_id"] = correlation_id(order)
        decoded.append(item)
    return decoded
