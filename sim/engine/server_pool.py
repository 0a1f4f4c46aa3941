"""ServerPool: servers that one or several endpoints (and batch work) share.

An :class:`~sim.engine.endpoint.Endpoint` serves its requests on a pool's servers. By
default each endpoint has a private pool of its ``concurrency`` servers; a system can
instead give several endpoints one shared pool (an SAP application server's dialog work
processes serve every RFC and OData request), so a burst on one API, or a batch job's
parallel packets (:meth:`ServerPool.run_packets`), slows every other API on the pool.

The pool is lean, as the endpoint's call path needs: a free server is taken without an
extra event, and a finishing request hands its server straight to the head of the one FIFO
queue (:meth:`release`), whatever endpoint or job the head belongs to. A waiter is any
object with a ``served()`` method, called when it is handed a server.

Work that is not an endpoint call (a batch job's packets) is one ``pool.work`` history row
per packet, at its end: ``status`` the job's name, ``value`` the wait for a server and
``value2`` the time held; with the ``endpoint.call`` rows of the pool's endpoints and the
``pool.declared`` row (``value`` the capacity) this makes the pool's utilisation and queue
measurable from the history alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any, Protocol

import simpy

from sim.engine.environment import RunEnvironment
from sim.engine.history import NONE
from sim.engine.monitor import LevelMonitor

__all__ = ["POOL_DECLARED", "POOL_MEMBER", "POOL_WORK", "ServerPool", "Waiter"]

POOL_DECLARED = "pool.declared"
"""History event written once per pool at its creation; ``value`` its servers."""
POOL_MEMBER = "pool.member"
"""History event written once per endpoint at its creation: ``actor`` the endpoint,
``status`` the name of the pool it serves on (its own name for its private pool),
``value`` the endpoint's own ``concurrency``."""
POOL_WORK = "pool.work"
"""History event of one packet of non-call work on a pool (``value`` wait, ``value2`` held)."""


class Waiter(Protocol):
    """Something queued for a server: told when it is handed one."""

    def served(self) -> None:
        """A server is now held on this waiter's behalf."""


class _Packet:
    """One packet of batch work waiting for a server."""

    __slots__ = ("arrival", "done", "job", "pool", "queued", "seconds")

    def __init__(
        self, pool: ServerPool, job: str, seconds: float, arrival: float, done: simpy.Event
    ) -> None:
        self.pool = pool
        self.job = job
        self.seconds = seconds
        self.arrival = arrival
        self.done = done
        self.queued = False

    def served(self) -> None:
        self.pool._hold(self)

    def finish(self, _event: object = None) -> None:
        pool = self.pool
        now = pool._sim.now
        pool.release()
        pool.monitor_in_service.change(now, -1)
        pool._record_work(now, self.job, now - self.seconds - self.arrival, self.seconds)
        self.done.succeed()


class ServerPool:
    """``capacity`` servers fed by one FIFO queue of waiters."""

    __slots__ = (
        "_actor",
        "_record",
        "_sim",
        "_status",
        "_work_event",
        "busy",
        "capacity",
        "monitor_in_service",
        "monitor_waiting",
        "name",
        "waiting",
    )

    def __init__(self, run: RunEnvironment, name: str, capacity: int, declare: bool = True) -> None:
        if capacity < 1:
            raise ValueError(f"a server pool needs at least one server, got {capacity}")
        self.name = name
        self.capacity = capacity
        self.busy = 0
        self.waiting: deque[Any] = deque()
        self.monitor_waiting = LevelMonitor(run.now)
        self.monitor_in_service = LevelMonitor(run.now)
        self._sim = run.sim
        history = run.history
        self._record = history.record
        self._actor = history.actor_code(f"pool:{name}")
        self._work_event = history.event_code(POOL_WORK)
        self._status = history.status_code
        if declare:
            history.record(
                run.now, history.event_code(POOL_DECLARED), self._actor, value=float(capacity)
            )

    @property
    def queue_length(self) -> int:
        """Waiters queued for a server now."""
        return len(self.waiting)

    def release(self) -> None:
        """A server is done: hand it to the head of the queue, or free it."""
        waiting = self.waiting
        if waiting:
            waiting.popleft().served()
        else:
            self.busy -= 1

    # ------------------------------------------------------------------ batch work
    def run_packets(
        self, job: str, packets: int, seconds: float
    ) -> Generator[simpy.Event, Any, None]:
        """Run ``packets`` packets of ``seconds`` each in parallel on this pool; wait for all.

        Each packet takes a server as a request does (at once if one is free, else FIFO
        behind the queue) and holds it for ``seconds``; the job ends when its last packet
        does, so a busy pool stretches the job and the job's packets slow the pool's other
        users.
        """
        sim = self._sim
        now = sim.now
        events = []
        for _ in range(packets):
            done = sim.event()
            packet = _Packet(self, job, seconds, now, done)
            events.append(done)
            if self.busy < self.capacity:
                self.busy += 1
                self._hold(packet)
            else:
                packet.queued = True
                self.monitor_waiting.change(now, 1)
                self.waiting.append(packet)
        yield sim.all_of(events)

    def _hold(self, packet: _Packet) -> None:
        now = self._sim.now
        self.monitor_in_service.change(now, 1)
        if packet.queued:
            self.monitor_waiting.change(now, -1)
        self._sim.timeout(packet.seconds).callbacks.append(packet.finish)

    def _record_work(self, now: float, job: str, wait: float, held: float) -> None:
        self._record(now, self._work_event, self._actor, NONE, NONE, self._status(job), wait, held)
