"""Whole-column arithmetic on integer keys: the pieces the long-run metrics share.

The metrics and checkers that read millions of rows match them on integer keys with sorts
and searches instead of groupbys over names. Three pieces recur:

- :func:`pair_keys`: two integers (an actor code and a message number, an order and a
  delivery number) made one sortable int64;
- :func:`group_starts`: in an array sorted by group, the position where each row's group
  begins (a row's turn within its group is its position minus that);
- :func:`lookup`: where each wanted key sits in a sorted array, and whether it is there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["group_starts", "lookup", "pair_keys"]


def pair_keys(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """One int64 per pair: ``high`` in the upper 32 bits, ``low`` (as 32 bits) below.

    Sorting the keys sorts by ``high``, then by ``low`` for non-negative ``low``.
    """
    keys: np.ndarray = (np.asarray(high).astype(np.int64) << 32) | (
        np.asarray(low).astype(np.int64) & 0xFFFFFFFF
    )
    return keys


def group_starts(first: np.ndarray) -> np.ndarray:
    """Per row, the position of the first row of its group (``first`` marks group starts).

    The rows are sorted by group, and ``first[0]`` is true when there are rows.
    """
    position = np.arange(first.size, dtype=np.int32 if first.size < 2**31 else np.int64)
    starts: np.ndarray = np.maximum.accumulate(np.where(first, position, 0))
    return starts


def lookup(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``keys``, found) of each wanted key; ``keys`` sorted and not empty.

    Where a key is not found its position is a neighbour's: use it only where found.
    """
    at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    found: np.ndarray = keys[at] == wanted
    return at, found
