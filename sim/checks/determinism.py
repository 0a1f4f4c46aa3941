"""Invariant 8, determinism: the same scenario and seed give an identical history.

:func:`compare_histories` compares two histories row by row on all eight columns, names
decoded (two histories whose vocabularies assign different codes to the same names are
equal; a ``NaN`` equals a ``NaN``). It needs two histories, so it is not in ``run_all``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.checks.base import (
    COLUMN_NAMES,
    NAME_COLUMNS,
    Check,
    Verdict,
    as_frame,
    witness,
)
from sim.engine import History

__all__ = ["compare_histories"]


def _column(frame: pd.DataFrame, name: str, length: int) -> np.ndarray:
    """The first ``length`` values of a column, names decoded to text."""
    column = frame[name].iloc[:length]
    if name in NAME_COLUMNS:
        return column.astype(str).to_numpy(dtype=object)
    return column.to_numpy()


def _differs(a: pd.DataFrame, b: pd.DataFrame, length: int) -> np.ndarray:
    """Per row of the common prefix: True where any column differs."""
    differs = np.zeros(length, dtype=bool)
    for name in COLUMN_NAMES:  # eight columns, each compared whole
        left, right = _column(a, name, length), _column(b, name, length)
        same = left == right
        if left.dtype.kind == "f" and right.dtype.kind == "f":
            same |= np.isnan(left) & np.isnan(right)
        differs |= ~np.asarray(same, dtype=bool)
    return differs


def compare_histories(a: History | pd.DataFrame, b: History | pd.DataFrame) -> Verdict:
    """Equal when both histories have the same rows with the same decoded values."""
    frame_a, frame_b = as_frame(a), as_frame(b)
    length = min(len(frame_a), len(frame_b))
    differs = _differs(frame_a, frame_b, length)
    if differs.any():
        first = int(np.argmax(differs))
    elif len(frame_a) != len(frame_b):
        first = length
    else:
        first = -1
    counts = {
        "rows_a": len(frame_a),
        "rows_b": len(frame_b),
        "differing_rows": int(differs.sum()),
        "first_difference": first,
    }
    proof: list[dict[str, object]] = []
    for side, frame in (("a", frame_a), ("b", frame_b)):
        if 0 <= first < len(frame):
            proof.extend({"history": side, **row} for row in witness(frame, [first]))
    return Verdict(
        name=Check.DETERMINISM,
        valid=first == -1,
        counts=counts,
        witness=proof,
        note="" if first == -1 else f"histories differ from row {first}",
    )
