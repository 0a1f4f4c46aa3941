"""LockTable: exclusive locks on named records, granted first come first served.

The lock server of a system: SAP's enqueue server (order creation locks the customer's
credit exposure and the order's materials at its plant) or Salesforce's record-level
locking (an update of a child record locks its parent account). A request asks for all its
keys; they are taken in sorted order, so two requests can never hold one key each and wait
for the other's (no deadlock). A key held by another request is waited for, FIFO, up to the
caller's ``patience``: Salesforce gives up after about 10 s with ``UNABLE_TO_LOCK_ROW``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Iterable
from typing import Any

import simpy

__all__ = ["LOCK_WAIT_EVENT", "LockTable"]

LOCK_WAIT_EVENT = "lock.wait"
"""History event of a call that waited for locks: ``actor`` its endpoint, ``value`` the time
it waited, ``status`` ``ok`` (granted) or ``locked`` (patience ran out). A call that found
its records free writes none."""


class LockTable:
    """Exclusive locks by key, each with a FIFO queue of waiters."""

    __slots__ = ("_held", "_sim")

    def __init__(self, sim: simpy.Environment) -> None:
        self._sim = sim
        self._held: dict[str, deque[simpy.Event] | None] = {}
        """Held keys and their waiters (``None`` until a first waiter comes: most locks
        are taken and given back with nobody waiting)."""

    def is_locked(self, key: str) -> bool:
        """Whether ``key`` is held now."""
        return key in self._held

    def take_free(self, keys: tuple[str, ...]) -> bool:
        """Take every key at once if none is held (no waiting); whether they were taken."""
        held = self._held
        for key in keys:
            if key in held:
                return False
        for key in keys:
            held[key] = None
        return True

    def acquire(
        self, keys: Iterable[str], patience: float = math.inf
    ) -> Generator[simpy.Event, Any, bool]:
        """Take every key (sorted); ``False`` (holding none) if ``patience`` runs out first."""
        sim = self._sim
        held = self._held
        deadline = sim.now + patience
        got: list[str] = []
        for key in sorted(set(keys)):
            if key not in held:
                held[key] = None
                got.append(key)
                continue
            queue = held[key]
            if queue is None:
                queue = held[key] = deque()
            granted = sim.event()
            queue.append(granted)
            if patience < math.inf:
                yield granted | sim.timeout(max(0.0, deadline - sim.now))
                if not granted.triggered:
                    queue.remove(granted)
                    self.release(got)
                    return False
            else:
                yield granted
            got.append(key)
        return True

    def release(self, keys: Iterable[str]) -> None:
        """Give up held keys: each goes to its first waiter, or is free."""
        held = self._held
        for key in set(keys):
            queue = held[key]
            if queue:
                queue.popleft().succeed()
            else:
                del held[key]
