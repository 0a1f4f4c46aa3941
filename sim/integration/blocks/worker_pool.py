"""A pool of the integration's own workers: iPaaS flow workers, middleware mappers.

Work waits in a FIFO queue and ``capacity`` workers take it one item at a time, so the
integration's own capacity is a queue like any system's: at month-end a small pool is a
bottleneck of its own. The pool is a fault seam: while it is down (``set_available``) no
worker starts new work, and the queue grows; work already running finishes, as a runtime
drains its running flows before a restart.

Its capacity is measurable from the history as an ERP work-process pool's is
(:mod:`sim.engine.server_pool`): a ``pool.declared`` row (actor ``pool:<name>``, ``value``
the workers) at its creation and one ``pool.work`` row per piece of work when it ends
(``value`` its wait for a worker, ``value2`` the time it held the worker).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.engine import NONE, Mailbox, RunEnvironment
from sim.engine.server_pool import POOL_DECLARED, POOL_WORK

__all__ = ["WorkerPool"]

Work = Callable[[], Generator[Any, Any, Any]]
"""One unit of work: a fresh generator each time it is called."""


class WorkerPool:
    """``capacity`` workers taking work from one queue, in arrival order."""

    def __init__(self, run: RunEnvironment, name: str, capacity: int) -> None:
        self.run = run
        self.name = name
        self.capacity = capacity
        self._queue: Mailbox[tuple[float, Work]] = Mailbox(run.sim)
        self._up: simpy.Event | None = None
        self.busy = 0
        """Workers holding work now (running it, or waiting for the pool to come back)."""
        history = run.history
        self._record = history.record
        self._actor = history.actor_code(f"pool:{name}")
        self._work_event = history.event_code(POOL_WORK)
        history.record(
            run.now, history.event_code(POOL_DECLARED), self._actor, value=float(capacity)
        )

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
        self._queue.put((self.run.sim.now, work))

    def set_available(self, available: bool) -> None:
        """Take the pool down (no new work starts) or bring it back."""
        if available and self._up is not None:
            up, self._up = self._up, None
            up.succeed()
        elif not available and self._up is None:
            self._up = self.run.sim.event()

    def _worker(self) -> Generator[Any, Any, None]:
        while True:
            queued, work = yield from self._queue.take()
            sim = self.run.sim
            start = sim.now
            self.busy += 1
            while self._up is not None:
                yield self._up
            yield from work()
            self.busy -= 1
            now = sim.now
            self._record(
                now, self._work_event, self._actor, NONE, NONE, 0, start - queued, now - start
            )
