"""Endpoint: one operation of a system, as a queueing station that callers can time out on.

An endpoint has a service-time distribution, ``concurrency`` servers fed by one FIFO wait
queue (a lean server pool: a free server is taken without an extra event, a finishing
request hands its server straight to the head of the queue), optional limits (a sliding
window of requests, or a full :class:`~sim.engine.throttle.ThrottleSpec`, enforced
together by :class:`~sim.engine.admission.Admission`) and fault state.

A caller runs ``answer = yield from endpoint.call(order, commit, timeout)`` inside a SimPy
process. The request waits for a server and holds it for a sampled service time; then the
endpoint runs ``commit()`` (the callee's state change) and returns its answer. A request
separates **request, commit and response**, as a real one does:

* the caller gives up after ``timeout`` seconds, but a request that reached the callee is
  still processed and committed (``late``): the caller cannot tell whether it happened;
* under a lost-response fault the callee commits and the response never arrives: the
  caller waits out its timeout (``lost_response``);
* while the endpoint is down, callers get a connection error after ``refusal_s``
  (``unavailable``), or, when the outage swallows requests, nothing until their timeout
  (``timeout``);
* under a brownout, service is slower and a share of requests fail with a 5xx after being
  served, committing nothing (``error``);
* limits refuse with 429 and a ``Retry-After`` (``throttled``).

Every call is one ``endpoint.call`` row with its wait and service time and the outcome
above as its status, so queueing and delivery-health metrics come from the history alone.

Draws are common random numbers by order: a request that starts service is the order's
n-th at this endpoint, and its service time and its fault draws (5xx, lost response) come
from keyed streams at (order, n) (:class:`~sim.engine.streams.KeyedDraws`), so the n-th
request of an order costs the same and meets the same fate under every pattern, however many
calls the pattern makes for other orders. Calls that belong to no order (``order`` < 0, bulk
extracts) are numbered per endpoint instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import simpy

from sim.engine.admission import Admission
from sim.engine.endpoint_spec import EndpointMonitor, EndpointSpec
from sim.engine.environment import RunEnvironment
from sim.engine.history import NONE
from sim.engine.locks import LOCK_WAIT_EVENT, LockTable
from sim.engine.outcomes import (
    CALL_EVENT,
    CALL_OUTCOMES,
    ERROR,
    LOCKED,
    OK,
    TIMED_OUT,
    UNAVAILABLE,
    CallResult,
    OutageMode,
)
from sim.engine.server_pool import POOL_MEMBER, ServerPool
from sim.engine.streams import KeyedDraws
from sim.engine.throttle import ServiceProtection, ThrottleSpec

__all__ = [
    "CALL_EVENT",
    "CALL_OUTCOMES",
    "CallResult",
    "Endpoint",
    "EndpointMonitor",
    "EndpointSpec",
    "OutageMode",
    "ServeLocked",
]

ServeLocked = Callable[
    ["Endpoint", int, "Callable[[], Any] | None", float, float, float, int, float, tuple[str, ...]],
    Generator[simpy.Event, Any, Any],
]
"""Serves a call that must lock records to commit: ``(endpoint, order, commit, arrival,
start, service, n, timeout, keys)`` (:func:`sim.engine.locked_service.serve_locked`)."""


class _Request:
    """A queued request: woken with True when handed a server, None at its deadline."""

    __slots__ = ("abandoned", "arrival", "commit", "event", "lines", "order", "owner")

    def __init__(
        self,
        owner: Endpoint,
        event: simpy.Event,
        order: int,
        arrival: float,
        commit: Callable[[], Any] | None,
        lines: int,
    ) -> None:
        self.owner = owner
        self.event = event
        self.order = order
        self.arrival = arrival
        self.commit = commit
        self.lines = lines
        self.abandoned = False

    def served(self) -> None:
        """Handed a server: wake the caller, or, if it has gone, serve the request anyway."""
        if not self.abandoned:
            self.event.succeed(True)
        else:
            self.owner._serve_abandoned(self)

    def expire(self, _: simpy.Event) -> None:
        """The caller's deadline: give up unless a server was already handed over."""
        if not self.event.triggered:
            self.abandoned = True
            self.event.succeed(None)


class Endpoint:
    """A system operation with latency, concurrency, limits, availability and faults.

    Its servers are a :class:`~sim.engine.server_pool.ServerPool`: its own ``concurrency``
    servers, or a pool it shares with other endpoints of its system (``pool``), whose
    capacity then bounds them all together.
    """

    def __init__(
        self, run: RunEnvironment, name: str, spec: EndpointSpec, pool: ServerPool | None = None
    ) -> None:
        self.name = name
        self.spec = spec
        self._sim = run.sim
        self.monitor = EndpointMonitor(run.now)
        self._shared = pool is not None
        if pool is None:
            pool = ServerPool(run, name, spec.concurrency)
            pool.monitor_waiting = self.monitor.waiting  # one set of levels, moved once
            pool.monitor_in_service = self.monitor.in_service
        self._pool = pool
        seed = run.streams.seed
        self._service_units = KeyedDraws(seed, f"endpoint.{name}")
        self._service_time = spec.service_time.quantile_function()
        self._line_units = KeyedDraws(seed, f"endpoint.{name}.per_line")
        self._per_line = None if spec.per_line is None else spec.per_line.quantile_function()
        self._error_units = KeyedDraws(seed, f"endpoint.{name}.error")
        self._lost_units = KeyedDraws(seed, f"endpoint.{name}.lost_response")
        self._limits = Admission(spec.rate_limit, spec.throttle)
        self.available = True
        self.outage_mode: OutageMode = "refused"
        self.silent_timeout_s = 60.0
        """How long a caller with no timeout of its own waits on a silent endpoint."""
        self.latency_factor = 1.0
        self.error_rate = 0.0
        self.lost_response_rate = 0.0
        self.locks: LockTable | None = None
        """The system's lock table, when calls given ``locks`` must hold them to commit."""
        self.serve_locked: ServeLocked | None = None
        """How a call given ``locks`` is served (set with the lock table, by
        :func:`sim.engine.locked_service.lock_commits`)."""
        self.commit_share = 0.3
        self.lock_patience_s = math.inf
        self._served_per_order: dict[int, int] = {}
        """Requests of each order that started service here (``n`` of the keyed draws)."""
        self._in_service = self.monitor.in_service.change
        history = run.history
        self._record = history.record
        self._event = history.event_code(CALL_EVENT)
        self._availability_event = history.event_code("endpoint.availability")
        self._actor = history.actor_code(f"endpoint:{name}")
        history.record(
            run.now,
            history.event_code(POOL_MEMBER),
            self._actor,
            status=history.status_code(pool.name),
            value=float(spec.concurrency),
        )
        code = history.status_code
        self._ok, self._throttled = code("ok"), code("throttled")
        self._unavailable = code("unavailable")
        self._timeout, self._late, self._lost = code("timeout"), code("late"), code("lost_response")
        self._error, self._interrupted = code("error"), code("interrupted")
        self._locked = code(LOCKED.status)
        self._up, self._down = code("up"), code("down")
        self._lock_event = history.event_code(LOCK_WAIT_EVENT)

    # ------------------------------------------------------------------ state and faults
    @property
    def pool(self) -> ServerPool:
        """The servers this endpoint serves on (its own, or shared)."""
        return self._pool

    @property
    def queue_length(self) -> int:
        """Requests of this endpoint waiting for a server now."""
        return self.monitor.waiting.level

    @property
    def busy(self) -> int:
        """Servers busy with this endpoint's requests now."""
        return self.monitor.in_service.level

    def set_available(self, available: bool, mode: OutageMode = "refused") -> None:
        """Take the endpoint down or bring it back; ``mode`` is how the outage looks."""
        self.outage_mode = mode
        if available != self.available:
            self.available = available
            status = self._up if available else self._down
            self._record(self._sim.now, self._availability_event, self._actor, NONE, NONE, status)

    def add_protection(self, spec: ThrottleSpec) -> ServiceProtection:
        """Start enforcing extra limits (a throttling fault); returns them for removal."""
        return self._limits.add(spec)

    def remove_protection(self, protection: ServiceProtection) -> None:
        """Stop enforcing limits added by :meth:`add_protection`."""
        self._limits.remove(protection)

    def forget_order(self, order: int) -> None:
        """Forget how many requests of ``order`` were served (it is archived: none follow)."""
        self._served_per_order.pop(order, None)

    def remembers(self, order: int) -> bool:
        """True while the requests of ``order`` served here are counted."""
        return order in self._served_per_order

    def _took_server(self, now: float, queued: bool) -> None:
        """Move the levels for a request that starts service (the shared pool's too)."""
        monitor = self.monitor
        if queued:
            monitor.waiting.change(now, -1)
        monitor.in_service.change(now, 1)
        if self._shared:
            pool = self._pool
            if queued:
                pool.monitor_waiting.change(now, -1)
            pool.monitor_in_service.change(now, 1)

    def _left_server(self, now: float) -> None:
        """Release the server and move the levels for a request that ends service."""
        self._pool.release()
        self.monitor.in_service.change(now, -1)
        if self._shared:
            self._pool.monitor_in_service.change(now, -1)

    def _start_service(self, order: int, lines: int = 0) -> tuple[float, int]:
        """Number the order's request that starts service now; its service time and ``n``.

        :meth:`call` does the same inline (the hot path) and keeps ``n`` for the fault draws.
        """
        served = self._served_per_order
        n = served.get(order, 0) + 1
        served[order] = n
        service = self._service_time(self._service_units.unit(order, n))
        if lines and self._per_line is not None:
            service += lines * self._per_line(self._line_units.unit(order, n))
        return service * self.latency_factor, n

    # ------------------------------------------------------------------ the call
    def call(
        self,
        order: int = NONE,
        commit: Callable[[], Any] | None = None,
        timeout: float = math.inf,
        lines: int = 0,
        locks: tuple[str, ...] = (),
    ) -> Generator[simpy.Event, Any, Any]:
        """Serve one request; ``answer = yield from endpoint.call(order, commit, timeout)``.

        ``lines`` is the size of the order the request carries (its service time grows by
        the spec's ``per_line``); ``locks`` are the records it must lock to commit, when the
        endpoint has a lock table (:func:`~sim.engine.locked_service.lock_commits`).
        Returns ``commit()``'s answer when served and answered (``OK`` without a commit),
        else a :class:`CallResult` saying why not.
        """
        sim = self._sim
        arrival = sim.now
        if not self.available:
            return (yield from self._refuse_down(order, timeout))
        limits = self._limits
        if limits.limited:
            monitor = self.monitor
            retry_after = limits.admit(arrival, monitor.in_service.level + monitor.waiting.level)
            if retry_after > 0.0:
                self._record(
                    arrival, self._event, self._actor, order, NONE, self._throttled, 0.0, 0.0
                )
                return CallResult("throttled", retry_after)
        pool = self._pool
        if pool.busy < pool.capacity:
            pool.busy += 1
            self._in_service(arrival, 1)
            if self._shared:
                pool.monitor_in_service.change(arrival, 1)
            start = arrival
        else:
            self.monitor.waiting.change(arrival, 1)
            if self._shared:
                pool.monitor_waiting.change(arrival, 1)
            request = _Request(self, sim.event(), order, arrival, commit, lines)
            pool.waiting.append(request)
            if timeout < math.inf:
                sim.timeout(timeout).callbacks.append(request.expire)
            try:
                yield request.event  # a finishing request hands its server over, FIFO
            except simpy.Interrupt:
                self._abandon(request)
                raise
            if request.abandoned:
                return TIMED_OUT  # still queued: the callee serves it later (``late``)
            start = sim.now
            self._took_server(start, True)
        served = self._served_per_order  # _start_service inline
        n = served.get(order, 0) + 1
        served[order] = n
        service = self._service_time(self._service_units.unit(order, n))
        if lines and self._per_line is not None:
            service += lines * self._per_line(self._line_units.unit(order, n))
        service *= self.latency_factor
        if service >= limits.watch_after:
            limits.started(start, service)
        if locks and self.serve_locked is not None:
            return (
                yield from self.serve_locked(
                    self, order, commit, arrival, start, service, n, timeout, locks
                )
            )
        patience = arrival + timeout - start
        if service > patience:
            # the caller gives up mid-service; the callee finishes and commits regardless
            try:
                yield sim.timeout(patience)
            except simpy.Interrupt:
                self._interrupted_in_service(order, arrival, start)
                raise
            sim.timeout(service - patience).callbacks.append(
                partial(self._finish_late, order, commit, arrival, start, service)
            )
            return TIMED_OUT
        try:
            yield sim.timeout(service)
        except simpy.Interrupt:
            self._interrupted_in_service(order, arrival, start)
            raise
        end = sim.now
        if pool.waiting:
            pool.waiting.popleft().served()
        else:
            pool.busy -= 1
        self._in_service(end, -1)
        if self._shared:
            pool.monitor_in_service.change(end, -1)
        if self.error_rate and self._error_units.unit(order, n) < self.error_rate:
            self._record(
                end, self._event, self._actor, order, NONE, self._error, start - arrival, service
            )
            return ERROR
        answer = commit() if commit is not None else OK
        if self.lost_response_rate and self._lost_units.unit(order, n) < self.lost_response_rate:
            self._record(
                end, self._event, self._actor, order, NONE, self._lost, start - arrival, service
            )
            wait = patience - service if timeout < math.inf else self.silent_timeout_s
            yield sim.timeout(wait)
            return TIMED_OUT
        self._record(end, self._event, self._actor, order, NONE, self._ok, start - arrival, service)
        return answer

    def _refuse_down(self, order: int, timeout: float) -> Generator[simpy.Event, Any, CallResult]:
        """A call to a down endpoint: connection error after ``refusal_s``, or silence."""
        sim = self._sim
        arrival = sim.now
        if self.outage_mode == "refused":
            if self.spec.refusal_s:
                yield sim.timeout(self.spec.refusal_s)
            status, answer = self._unavailable, UNAVAILABLE
        else:
            yield sim.timeout(timeout if timeout < math.inf else self.silent_timeout_s)
            status, answer = self._timeout, TIMED_OUT
        self._record(sim.now, self._event, self._actor, order, NONE, status, sim.now - arrival, 0.0)
        return answer

    def _finish_late(
        self,
        order: int,
        commit: Callable[[], Any] | None,
        arrival: float,
        start: float,
        service: float,
        _event: object = None,
    ) -> None:
        """Finish a request whose caller has gone: release, commit, record ``late``."""
        now = self._sim.now
        self._left_server(now)
        if commit is not None:
            commit()
        self._record(
            now, self._event, self._actor, order, NONE, self._late, start - arrival, service
        )

    def _serve_abandoned(self, request: _Request) -> None:
        """A queued request whose caller has gone is handed a server: serve it anyway.

        Its service runs on callbacks, with no process, and commits when it ends.
        """
        sim = self._sim
        start = sim.now
        self._took_server(start, True)
        service, _ = self._start_service(request.order, request.lines)
        if service >= self._limits.watch_after:
            self._limits.started(start, service)
        sim.timeout(service).callbacks.append(
            partial(
                self._finish_late, request.order, request.commit, request.arrival, start, service
            )
        )

    def _interrupted_in_service(self, order: int, arrival: float, start: float) -> None:
        now = self._sim.now
        self._left_server(now)
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

    def _abandon(self, request: _Request) -> None:
        """A caller interrupted while queued leaves (passing on a server it was just handed)."""
        now = self._sim.now
        self.monitor.waiting.change(now, -1)
        if self._shared:
            self._pool.monitor_waiting.change(now, -1)
        if request.event.triggered:  # a server was handed over at this instant: pass it on
            self._pool.release()
        else:
            self._pool.waiting.remove(request)
        self._record(
            now,
            self._event,
            self._actor,
            request.order,
            NONE,
            self._interrupted,
            now - request.arrival,
            0.0,
        )
