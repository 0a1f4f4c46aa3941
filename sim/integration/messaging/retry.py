"""Retry with exponential backoff, jitter and a retry budget, honouring ``Retry-After``.

A retry budget (as in Finagle and gRPC) caps retries at a share of the first attempts made
in a sliding window, plus a small floor: when a dependency fails for everyone, callers stop
multiplying its load instead of each retrying to its own limit (a retry storm).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.engine import CallResult, RunEnvironment
from sim.integration.messaging.circuit_breaker import CircuitBreaker
from sim.integration.messaging.token_bucket import TokenBucket

__all__ = ["RetryPolicy", "Retrier", "GAVE_UP", "BREAKER_OPEN", "BUDGET_EXHAUSTED"]

GAVE_UP = CallResult("gave_up")
"""Returned when every attempt failed."""
BUDGET_EXHAUSTED = CallResult("budget_exhausted")
"""Returned when a failed attempt may not be retried because the retry budget is spent."""
_BREAKER_FAILURES = frozenset({"unavailable", "timeout", "error"})
"""Answers that count against a circuit breaker (the dependency did not answer well)."""
BREAKER_OPEN = CallResult("breaker_open")
"""Returned without calling when the circuit breaker is open."""


class RetryPolicy(BaseModel):
    """How often and how patiently a caller retries a refused call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(default=5, ge=1)
    base_delay_s: float = Field(default=2.0, gt=0)
    multiplier: float = Field(default=2.0, ge=1)
    max_delay_s: float = Field(default=300.0, gt=0)
    jitter: Literal["full", "none"] = "full"
    budget_ratio: float | None = Field(
        default=0.2,
        ge=0,
        description="retries allowed per first attempt in the window; None: no budget",
    )
    budget_window_s: float = Field(default=60.0, gt=0)
    budget_floor: int = Field(default=10, ge=0, description="retries always allowed per window")


class Retrier:
    """Runs an operation until it succeeds, the attempts run out or the breaker opens.

    Each attempt is a fresh generator from ``operation``. An answer that is a refused
    :class:`CallResult` (throttled, unavailable) is retried; a throttled answer waits at
    least its ``retry_after``. Anything else is the operation's answer. Every retry is a
    history row (``integration.retry``).
    """

    def __init__(
        self,
        run: RunEnvironment,
        name: str,
        policy: RetryPolicy,
        breaker: CircuitBreaker | None = None,
        wait_for_breaker: bool = False,
        bucket: TokenBucket | None = None,
    ) -> None:
        self.run = run
        self.policy = policy
        self.breaker = breaker
        self.wait_for_breaker = wait_for_breaker
        self.bucket = bucket
        self._budgeted = policy.budget_ratio is not None
        self._deposit = policy.budget_ratio or 0.0
        self._balance = float(policy.budget_floor)
        self._stamp = run.now
        self._rng: np.random.Generator = run.streams.stream(f"retry.{name}")
        history = run.history
        self._event = history.event_code("integration.retry")
        self._exhausted_event = history.event_code("integration.retry_budget_exhausted")
        self._actor = history.actor_code(f"retry:{name}")

    def _may_retry(self, now: float) -> bool:
        """Whether the retry budget allows one more retry now (and spend it if so).

        The budget is a balance: each first attempt deposits ``budget_ratio``, time
        deposits ``budget_floor`` per ``budget_window_s``, and the balance is capped at
        the floor plus one window's worth of deposits at ten first attempts a second, so a
        quiet spell cannot bank a storm.
        """
        if not self._budgeted:
            return True
        policy = self.policy
        ratio = policy.budget_ratio or 0.0
        cap = policy.budget_floor + ratio * 10.0 * policy.budget_window_s
        self._balance = min(
            cap,
            self._balance + (now - self._stamp) * policy.budget_floor / policy.budget_window_s,
        )
        self._stamp = now
        if self._balance < 1.0:
            return False
        self._balance -= 1.0
        return True

    def delay(self, attempt: int, retry_after: float = 0.0) -> float:
        """Backoff before attempt ``attempt + 1`` (attempts count from 1)."""
        p = self.policy
        ceiling = min(p.max_delay_s, p.base_delay_s * p.multiplier ** (attempt - 1))
        wait = float(self._rng.uniform(0.0, ceiling)) if p.jitter == "full" else ceiling
        return max(wait, retry_after)

    def run_call(
        self, operation: Callable[[], Generator[Any, Any, Any]], order: int = -1
    ) -> Generator[Any, Any, Any]:
        """Call ``operation`` with retries; returns its answer or a failure ``CallResult``.

        With an open breaker the call is refused at once (``BREAKER_OPEN``), unless the
        retrier was made with ``wait_for_breaker``: then it waits for the breaker's pause
        and tries again, without spending an attempt. A refusal other than ``unavailable``,
        ``timeout`` or ``error`` (e.g. ``throttled``) proves the dependency is up and closes
        the breaker.
        """
        sim = self.run.sim
        history = self.run.history
        breaker, bucket = self.breaker, self.bucket
        max_attempts = self.policy.max_attempts
        self._balance += self._deposit  # a first attempt earns the budget its share
        attempt = 0
        while attempt < max_attempts:
            if breaker is not None and not breaker.allow():
                if not self.wait_for_breaker:
                    return BREAKER_OPEN
                yield sim.timeout(max(breaker.remaining(), self.policy.base_delay_s))
                continue
            attempt += 1
            if bucket is not None:
                yield from bucket.take(order)
            answer = yield from operation()
            if not isinstance(answer, CallResult) or answer.ok:
                if breaker is not None:
                    breaker.succeeded()
                return answer
            if breaker is not None:
                if answer.status in _BREAKER_FAILURES:
                    breaker.failed()
                else:
                    breaker.succeeded()
            if attempt == max_attempts:
                break
            if not self._may_retry(sim.now):
                history.record(
                    sim.now,
                    self._exhausted_event,
                    self._actor,
                    order,
                    attempt,
                    history.status_code(answer.status),
                )
                return BUDGET_EXHAUSTED
            wait = self.delay(attempt, answer.retry_after)
            history.record(
                sim.now,
                self._event,
                self._actor,
                order,
                attempt,
                history.status_code(answer.status),
                wait,
            )
            yield sim.timeout(wait)
        return GAVE_UP
