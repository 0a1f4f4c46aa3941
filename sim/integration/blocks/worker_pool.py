"""A pool of the integration's own workers: iPaaS flow workers, middleware mappers.

Work waits in a FIFO queue and ``capacity`` workers take it one item at a time, so the
integration's own capacity is a queue like any system's: at month-end a small pool is a
bottleneck of its own. The pool is a fault seam: while it is down (``set_available``) no
worker starts new work, and the queue grows; work already running finishes, as a runtime
drains its running flows before a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.engine import Mailbox, RunEnvironment

__all__ = ["WorkerPool"]

Work = Callable[[], Generator[Any, Any, Any]]
"""One unit of work: a fresh generator each time it is called."""


class WorkerPool:
    """``capacity`` workers taking work from one queue, in arrival order."""

    def __init__(self, run: RunEnvironment, name: str, capacity: int) -> None:
        self.run = run
        self.name = name
        self.capacity = capacity
        self._queue: Mailbox[Work] = Mailbox(run.sim)
        self._up: simpy.Event | None = None
        self.busy = 0
        """Workers holding work now (running it, or waiting for the pool to come back)."""

    @property
    def queued(self) -> int:
        """Work waiting for a worker now."""
        return len(self._queue)

    def start(self) -> None:
        """Start the workers."""
        for _ in range(self.capacity):
            self.run.sim.process(self._worker())

    def submit(self, work: Work) -> None:
        """Queue ``work`` for the next free worker."""
        self._queue.put(work)

    def set_available(self, available: bool) -> None:
        """Take the pool down (no new work starts) or bring it back."""
        if available and self._up is not None:
            up, self._up = self._up, None
            up.succeed()
        elif not available and self._up is None:
            self._up = self.run.sim.event()

    def _worker(self) -> Generator[Any, Any, None]:
        while True:
            work = yield from self._queue.take()
            self.busy += 1
            while self._up is not None:
                yield self._up
            yield from work()
            self.busy -= 1
