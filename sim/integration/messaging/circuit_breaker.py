"""A circuit breaker in simulated time: closed, open, half-open."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.engine import NONE, RunEnvironment

__all__ = ["CircuitBreakerPolicy", "CircuitBreaker"]


class CircuitBreakerPolicy(BaseModel):
    """Open after ``failure_threshold`` consecutive failures, probe after ``open_for_s``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    failure_threshold: int = Field(default=5, ge=1)
    open_for_s: float = Field(default=60.0, gt=0)


class CircuitBreaker:
    """Stops calls to a failing dependency and lets one probe through after a pause."""

    def __init__(self, run: RunEnvironment, name: str, policy: CircuitBreakerPolicy) -> None:
        self.run = run
        self.policy = policy
        self.state = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        history = run.history
        self._event = history.event_code("integration.breaker")
        self._actor = history.actor_code(f"breaker:{name}")

    def _move(self, state: str) -> None:
        if state != self.state:
            self.state = state
            history = self.run.history
            history.record(
                self.run.now, self._event, self._actor, NONE, NONE, history.status_code(state)
            )

    def allow(self) -> bool:
        """Whether a call may go out now.

        Closed: always. Open: never until ``open_for_s`` has passed; then the breaker turns
        half-open and lets exactly one probe through. Further calls are refused until the
        probe's outcome is reported with :meth:`succeeded` or :meth:`failed`.
        """
        if self.state == "closed":
            return True
        if self.state == "open":
            if self.run.now - self._opened_at < self.policy.open_for_s:
                return False
            self._move("half_open")
            self._probing = False
        if self._probing:
            return False
        self._probing = True
        return True

    def remaining(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when not open)."""
        if self.state != "open":
            return 0.0
        return max(0.0, self._opened_at + self.policy.open_for_s - self.run.now)

    def succeeded(self) -> None:
        """The dependency answered: close and forget past failures."""
        self._failures = 0
        self._probing = False
        self._move("closed")

    def failed(self) -> None:
        """A call failed: open after enough consecutive failures, or at once when probing."""
        self._probing = False
        self._failures += 1
        if self.state == "half_open" or self._failures >= self.policy.failure_threshold:
            self._opened_at = self.run.now
            self._move("open")
