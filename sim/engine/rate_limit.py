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

    __slots__ = ("_admitted", "requests", "window")

    def __init__(self, spec: RateLimitSpec) -> None:
        self.requests = spec.requests
        self.window = spec.window_s
        self._admitted: deque[float] = deque()

    def admit(self, now: float) -> float:
        """0.0 if admitted (and counted), else the seconds to wait before a retry."""
        admitted = self._admitted
        horizon = now - self.window
        while admitted and admitted[0] <= horizon:
            admitted.popleft()
        if len(admitted) < self.requests:
            admitted.append(now)
            return 0.0
        return admitted[0] + self.window - now

    def in_window(self, now: float) -> int:
        """Requests counted in the window ending at ``now``."""
        horizon = now - self.window
        return sum(1 for t in self._admitted if t > horizon)
