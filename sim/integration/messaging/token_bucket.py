"""Client-side throttling: a token bucket sized to the callee's published limit.

A caller that knows the callee admits ``requests`` per ``window_s`` paces itself: tokens
refill at ``requests / window_s`` per second up to ``burst``; a call takes one token and
waits (in simulated time) when none is left, instead of being refused with 429 and
retrying. The wait is recorded as ``integration.throttle_wait``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sim.engine import NONE, RunEnvironment

__all__ = ["ClientLimit", "TokenBucket"]


class ClientLimit(BaseModel):
    """The pace a client keeps towards one system."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: int = Field(gt=0, description="requests allowed per window (the callee's limit)")
    window_s: float = Field(gt=0, description="the callee's window, seconds")
    headroom: float = Field(
        default=0.9, gt=0, le=1, description="share of the published limit the client uses"
    )
    burst: int | None = Field(default=None, gt=0, description="bucket size; default 1% of limit")


class TokenBucket:
    """A token bucket kept as the generic cell rate algorithm (virtual scheduling).

    ``_tat`` is the theoretical arrival time of the next conforming call; a call may go
    when it is no more than the burst tolerance ahead of it. Callers that must wait are
    spaced one emission interval apart, in the order they asked.
    """

    def __init__(self, run: RunEnvironment, name: str, limit: ClientLimit) -> None:
        self.run = run
        rate = limit.requests * limit.headroom / limit.window_s
        capacity = limit.burst or max(1, limit.requests // 100)
        self._interval = 1.0 / rate
        self._tolerance = (capacity - 1) * self._interval
        self._tat = run.now
        history = run.history
        self._event = history.event_code("integration.throttle_wait")
        self._actor = history.actor_code(f"client_limit:{name}")

    def take(self, order: int = NONE) -> Generator[Any, Any, float]:
        """Take a token, waiting for the refill if needed; returns the wait."""
        sim = self.run.sim
        now = sim.now
        tat = max(self._tat, now)
        allowed_at = tat - self._tolerance
        self._tat = tat + self._interval
        if allowed_at <= now:
            return 0.0
        wait = allowed_at - now
        self.run.history.record(now, self._event, self._actor, order, NONE, 0, wait)
        yield sim.timeout(wait)
        return wait
