"""Endpoint: one operation of a system, as a queueing station.

An endpoint has a service-time distribution, ``concurrency`` servers fed by one FIFO wait
queue (a lean server pool: a free server is taken without an extra event, a finishing
request hands its server straight to the head of the queue), an optional sliding-window
rate limit and an availability flag. A caller runs
``result = yield from endpoint.call(order)`` inside a SimPy process; the call waits for a
server, holds it for a sampled service time and returns a :class:`CallResult`. Every call,
served or refused, is one ``endpoint.call`` row in the history with its wait and service
time, so queueing metrics come from the history alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy
from pydantic import BaseModel, ConfigDict, Field

from sim.engine.distributions import Distribution, LogNormal
from sim.engine.environment import RunEnvironment
from sim.engine.history import NONE
from sim.engine.monitor import LevelMonitor
from sim.engine.rate_limit import RateLimitSpec, SlidingWindowLimiter

__all__ = ["EndpointSpec", "Endpoint", "CallResult", "EndpointMonitor", "CALL_EVENT"]

CALL_EVENT = "endpoint.call"
"""History event of every call; ``value`` is the queue wait, ``value2`` the service time.

Its status is ``ok``, ``throttled``, ``unavailable`` or ``interrupted`` (the caller's process
was interrupted while waiting or in service; the server is released either way)."""


class EndpointSpec(BaseModel):
    """How one system operation behaves under load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_time: Distribution = Field(
        default_factory=lambda: LogNormal(mean=0.3, cv=0.5),
        description="time a server spends on one request, seconds",
    )
    concurrency: int = Field(default=8, gt=0, description="requests served at once")
    rate_limit: RateLimitSpec | None = Field(
        default=None, description="sliding-window limit; excess calls get 429 Retry-After"
    )


@dataclass(frozen=True, slots=True)
class CallResult:
    """The caller's view of one call: ``status`` is ``ok``, ``throttled`` or ``unavailable``."""

    status: str
    retry_after: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the operation was served."""
        return self.status == "ok"


_OK = CallResult("ok")
_UNAVAILABLE = CallResult("unavailable")


class EndpointMonitor:
    """Requests waiting and in service over time (L and Lq in Little's law).

    Two :class:`LevelMonitor` levels; the endpoint moves them as requests arrive, start,
    give up and finish.
    """

    __slots__ = ("in_service", "waiting")

    def __init__(self, start: float) -> None:
        self.waiting = LevelMonitor(start)
        self.in_service = LevelMonitor(start)

    def mean_counts(self, now: float) -> tuple[float, float]:
        """Time-average (waiting, in service) from the start up to ``now``."""
        return (self.waiting.mean(now), self.in_service.mean(now))


class Endpoint:
    """A system operation with latency, a concurrency limit, a rate limit and availability."""

    def __init__(self, run: RunEnvironment, name: str, spec: EndpointSpec) -> None:
        self.name = name
        self.spec = spec
        self._sim = run.sim
        self._capacity = spec.concurrency
        self._busy = 0
        self._waiting: deque[simpy.Event] = deque()
        self._sample = spec.service_time.sampler(run.streams.stream(f"endpoint.{name}"))
        self._limiter = SlidingWindowLimiter(spec.rate_limit) if spec.rate_limit else None
        self.available = True
        self.monitor = EndpointMonitor(run.now)
        history = run.history
        self._record = history.record
        self._event = history.event_code(CALL_EVENT)
        self._availability_event = history.event_code("endpoint.availability")
        self._actor = history.actor_code(f"endpoint:{name}")
        self._ok = history.status_code("ok")
        self._throttled = history.status_code("throttled")
        self._unavailable = history.status_code("unavailable")
        self._interrupted = history.status_code("interrupted")
        self._up = history.status_code("up")
        self._down = history.status_code("down")

    @property
    def queue_length(self) -> int:
        """Requests waiting for a server now."""
        return len(self._waiting)

    @property
    def busy(self) -> int:
        """Servers busy now."""
        return self._busy

    def set_available(self, available: bool) -> None:
        """Take the endpoint down or bring it back (calls arriving while down are refused)."""
        if available != self.available:
            self.available = available
            status = self._up if available else self._down
            self._record(self._sim.now, self._availability_event, self._actor, NONE, NONE, status)

    def call(self, order: int = NONE) -> Generator[simpy.Event, Any, CallResult]:
        """Serve one request for ``order``; use as ``result = yield from endpoint.call(n)``."""
        sim = self._sim
        arrival = sim.now
        if not self.available:
            self._record(
                arrival, self._event, self._actor, order, NONE, self._unavailable, 0.0, 0.0
            )
            return _UNAVAILABLE
        if self._limiter is not None:
            retry_after = self._limiter.admit(arrival)
            if retry_after > 0.0:
                self._record(
                    arrival, self._event, self._actor, order, NONE, self._throttled, 0.0, 0.0
                )
                return CallResult("throttled", retry_after)
        monitor = self.monitor
        if self._busy < self._capacity:
            self._busy += 1
            monitor.in_service.change(arrival, 1)
            start = arrival
        else:
            monitor.waiting.change(arrival, 1)
            ticket = sim.event()
            self._waiting.append(ticket)
            try:
                yield ticket  # a finishing request hands its server over, first come first served
            except simpy.Interrupt:
                self._abandon(ticket, arrival, order)
                raise
            start = sim.now
            monitor.waiting.change(start, -1)
            monitor.in_service.change(start, 1)
        service = self._sample()
        try:
            yield sim.timeout(service)
        except simpy.Interrupt:
            now = sim.now
            self._release()
            monitor.in_service.change(now, -1)
            self._record(
                now,
                self._event,
                self._actor,
                order,
                NONE,
                self._interrupted,
                start - arrival,
                now - start,
            )
            raise
        self._release()
        end = sim.now
        monitor.in_service.change(end, -1)
        self._record(end, self._event, self._actor, order, NONE, self._ok, start - arrival, service)
        return _OK

    def _release(self) -> None:
        """Hand the server to the head of the queue, or free it."""
        if self._waiting:
            self._waiting.popleft().succeed()
        else:
            self._busy -= 1

    def _abandon(self, ticket: simpy.Event, arrival: float, order: int) -> None:
        """A caller interrupted while queued leaves (passing on a server it was just handed)."""
        now = self._sim.now
        self.monitor.waiting.change(now, -1)
        if ticket.triggered:  # a server was handed over at this instant: pass it on
            self._release()
        else:
            self._waiting.remove(ticket)
        self._record(
            now, self._event, self._actor, order, NONE, self._interrupted, now - arrival, 0.0
        )
