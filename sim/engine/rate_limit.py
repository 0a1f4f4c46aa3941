"""A sliding-window request limit (the way Dataverse and Salesforce meter API calls)."""

from __future__ import annotations

from collections import deque

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["RateLimitSpec", "SlidingWindowLimiter"]


class RateLimitSpec(BaseModel):
    """At most ``requests`` admitted in any window of ``window_s`` seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: int = Field(gt=0, description="requests admitted per window")
    window_s: float = Field(gt=0, description="length of the sliding window in seconds")


class SlidingWindowLimiter:
    """Admits a request when fewer than ``requests`` were admitted in the last window.

    A refused request learns how long until the oldest admission leaves the window, which is
    what a ``429`` response's ``Retry-After`` header carries.
    """

    __slots__ = ("_expiries", "requests", "window")

    def __init__(self, spec: RateLimitSpec) -> None:
        self.requests = spec.requests
        self.window = spec.window_s
        self._expiries: deque[float] = deque()
        """When each admission leaves the window (admission time + window), oldest first.

        Keeping the expiry itself, not recomputing it, makes "has it left?" and "how long
        until it leaves?" agree exactly: a refusal never says 0 s."""

    def wait(self, now: float) -> float:
        """0.0 if a request would be admitted now, else the seconds until it would be."""
        expiries = self._expiries
        while expiries and expiries[0] <= now:
            expiries.popleft()
        return 0.0 if len(expiries) < self.requests else expiries[0] - now

    def take(self, now: float) -> None:
        """Count a request admitted at ``now`` (after :meth:`wait` said 0)."""
        self._expiries.append(now + self.window)

    def admit(self, now: float) -> float:
        """0.0 if admitted (and counted), else the seconds to wait before a retry."""
        wait = self.wait(now)
        if wait == 0.0:
            self.take(now)
        return wait

    def in_window(self, now: float) -> int:
        """Requests counted in the window ending at ``now``."""
        return sum(1 for expiry in self._expiries if expiry > now)
