"""The garbage collector's pace while a simulation runs.

A run allocates millions of short-lived objects (events, generator frames, tuples) and
keeps a large, long-lived world (master data, orders, the history's arrays). CPython's
default collector starts a young-generation pass every 700 net allocations and walks the
whole heap every hundred of those, so a baseline run spends about a sixth of its time in
the collector, mostly re-examining the long-lived world. :func:`simulation_collector`
raises the young-generation threshold for the duration of a run, as long-running Python
services commonly do, and restores the caller's setting afterwards. Reference counting
still frees almost everything at once; only reference cycles wait a little longer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG_THRESHOLD", "simulation_collector"]

YOUNG_THRESHOLD = 100_000
"""Net allocations between young-generation collections during a run."""


@contextmanager
def simulation_collector(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Collect less often while the block runs; the previous thresholds come back after."""
    previous = gc.get_threshold()
    gc.set_threshold(young, previous[1], previous[2])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
