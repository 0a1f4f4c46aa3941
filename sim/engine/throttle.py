"""Service protection: the limits a system enforces on its API callers, answered with 429.

Real APIs meter callers in several ways at once, and the shape of the limit decides how an
integration suffers (DOMAIN.md, "API limits have shapes"):

* a sliding window of requests (Dataverse: 6,000 per 5 minutes; Salesforce: a rolling
  24-hour allocation);
* a sliding window of execution time (Dataverse: 1,200 s of server time per 5 minutes);
* a cap on concurrent requests (Dataverse: 52);
* a cap on concurrent *long-running* requests only (Salesforce: 25 requests that have run
  for 20 s or more; shorter requests are not counted).

:class:`ServiceProtection` enforces a :class:`ThrottleSpec` for one endpoint. A refused
request learns a ``Retry-After``: when the window will admit it again.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.engine.rate_limit import RateLimitSpec, SlidingWindowLimiter

__all__ = ["ThrottleSpec", "ServiceProtection", "throttle_preset"]


class ThrottleSpec(BaseModel):
    """One endpoint's limits; every field is optional and limits combine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: int | None = Field(default=None, gt=0, description="requests per window")
    window_s: float = Field(default=300.0, gt=0, description="sliding window length, seconds")
    execution_s: float | None = Field(
        default=None, gt=0, description="server seconds of admitted requests per window"
    )
    concurrent: int | None = Field(default=None, gt=0, description="requests in flight at once")
    long_running_concurrent: int | None = Field(
        default=None, gt=0, description="requests running for long_running_after_s or more"
    )
    long_running_after_s: float = Field(default=20.0, gt=0)
    concurrent_retry_after_s: float = Field(
        default=1.0, gt=0, description="Retry-After given when a concurrency cap refuses"
    )


def throttle_preset(
    name: Literal["dataverse", "salesforce"], users: int = 1, licences: int = 0
) -> ThrottleSpec:
    """The documented limits of a platform (DOMAIN.md, "Realistic defaults").

    Dataverse service protection is per integration user: ``users`` users that share the
    load evenly get ``users`` times each budget. Salesforce's rolling 24-hour allocation is
    100,000 + 1,000 per Enterprise licence for the org; its 25-request cap applies only to
    requests that have run for 20 s or more.
    """
    if name == "dataverse":
        return ThrottleSpec(
            requests=6_000 * users,
            window_s=300.0,
            execution_s=1_200.0 * users,
            concurrent=52 * users,
        )
    return ThrottleSpec(
        requests=100_000 + 1_000 * licences,
        window_s=86_400.0,
        long_running_concurrent=25,
        long_running_after_s=20.0,
    )


class ServiceProtection:
    """Admits or refuses requests under a :class:`ThrottleSpec`.

    :meth:`admit` is asked on arrival with the number of requests in flight;
    :meth:`started` is told each admitted request's start and service time, so the
    execution-time window and the long-running cap can be kept.
    """

    __slots__ = ("_execution", "_limiter", "_long", "_plain", "long_after_s", "spec")

    def __init__(self, spec: ThrottleSpec) -> None:
        self.spec = spec
        self._limiter = (
            SlidingWindowLimiter(RateLimitSpec(requests=spec.requests, window_s=spec.window_s))
            if spec.requests is not None
            else None
        )
        self._execution: deque[tuple[float, float]] = deque()  # (start, service) in window
        self._long: list[tuple[float, float]] = []  # (start, end) of requests that run long
        self.long_after_s = math.inf
        """:meth:`started` need only be told of requests at least this long."""
        if spec.long_running_concurrent is not None:
            self.long_after_s = spec.long_running_after_s
        if spec.execution_s is not None:
            self.long_after_s = 0.0
        self._plain = spec.concurrent is None and spec.execution_s is None

    def admit(self, now: float, in_flight: int) -> float:
        """0.0 if admitted (and counted), else the seconds a ``Retry-After`` would carry."""
        limiter = self._limiter
        if self._plain and not self._long and limiter is not None:
            return limiter.admit(now)  # only the request window can refuse (the hot path)
        wait = self.wait(now, in_flight)
        if wait == 0.0:
            self.take(now)
        return wait

    def take(self, now: float) -> None:
        """Count a request admitted at ``now`` (after :meth:`wait` said 0 for every limit)."""
        if self._limiter is not None:
            self._limiter.take(now)

    def wait(self, now: float, in_flight: int) -> float:
        """0.0 if a request would be admitted now, else its ``Retry-After``; counts nothing."""
        spec = self.spec
        if spec.concurrent is not None and in_flight >= spec.concurrent:
            return spec.concurrent_retry_after_s
        if spec.long_running_concurrent is not None and self._long:
            threshold = now - spec.long_running_after_s
            self._long = [(s, e) for s, e in self._long if e > now]
            running_long = sum(1 for s, _ in self._long if s <= threshold)
            if running_long >= spec.long_running_concurrent:
                return spec.concurrent_retry_after_s
        if spec.execution_s is not None:
            horizon = now - spec.window_s
            execution = self._execution
            while execution and execution[0][0] <= horizon:
                execution.popleft()
            used = sum(service for _, service in execution)
            if used >= spec.execution_s:
                return max(execution[0][0] + spec.window_s - now, 1e-9)
        if self._limiter is not None:
            return self._limiter.wait(now)
        return 0.0

    def started(self, start: float, service: float) -> None:
        """An admitted request starts with a known service time."""
        spec = self.spec
        if spec.execution_s is not None:
            self._execution.append((start, service))
        if spec.long_running_concurrent is not None and service >= spec.long_running_after_s:
            self._long.append((start, start + service))
