"""Admission: every limit one endpoint enforces on arrival, answered with 429 and a wait.

An endpoint may have a sliding window of requests (:class:`RateLimitSpec`), its own
service protection (:class:`ThrottleSpec`), and further protections that a throttling
fault adds and removes while the run goes on. :class:`Admission` holds them together:
asked on arrival, it admits a request only when every limit does (and only then does any
limit count it), else it names the longest ``Retry-After``; told each admitted request's
service time, it keeps the execution-time and long-running limits.
"""

from __future__ import annotations

import math

from sim.engine.rate_limit import RateLimitSpec, SlidingWindowLimiter
from sim.engine.throttle import ServiceProtection, ThrottleSpec

__all__ = ["Admission"]


class Admission:
    """The limits of one endpoint: an optional request window and service protections.

    ``limited`` says whether any limit applies (the endpoint skips :meth:`admit` when none
    does); ``watch_after`` is the shortest service time any limit needs to be told of
    (:meth:`started`), ``inf`` when none does.
    """

    __slots__ = ("_limiter", "_protections", "limited", "watch_after")

    def __init__(self, rate_limit: RateLimitSpec | None, throttle: ThrottleSpec | None) -> None:
        self._limiter = SlidingWindowLimiter(rate_limit) if rate_limit is not None else None
        self._protections: list[ServiceProtection] = (
            [ServiceProtection(throttle)] if throttle is not None else []
        )
        self.limited = False
        self.watch_after = math.inf
        self._changed()

    def add(self, spec: ThrottleSpec) -> ServiceProtection:
        """Start enforcing extra limits; returns them for :meth:`remove`."""
        protection = ServiceProtection(spec)
        self._protections.append(protection)
        self._changed()
        return protection

    def remove(self, protection: ServiceProtection) -> None:
        """Stop enforcing limits added by :meth:`add`."""
        self._protections.remove(protection)
        self._changed()

    def _changed(self) -> None:
        """Note whether any limit applies, and how long a request must be to matter to one."""
        self.limited = bool(self._protections) or self._limiter is not None
        self.watch_after = min((p.long_after_s for p in self._protections), default=math.inf)

    def admit(self, now: float, in_flight: int) -> float:
        """0.0 when every limit admits the request (each then counts it), else the longest wait.

        ``in_flight``: requests waiting or in service at the endpoint now. A request that one
        limit refuses uses up no other limit's budget.
        """
        limiter, protections = self._limiter, self._protections
        if limiter is None and len(protections) == 1:  # the common case: one set of limits
            return protections[0].admit(now, in_flight)
        wait = max((p.wait(now, in_flight) for p in protections), default=0.0)
        if limiter is not None:
            wait = max(wait, limiter.wait(now))
        if wait == 0.0:
            for protection in protections:
                protection.take(now)
            if limiter is not None:
                limiter.take(now)
        return wait

    def started(self, start: float, service: float) -> None:
        """Tell the limits that a request started with this service time."""
        for protection in self._protections:
            protection.started(start, service)
