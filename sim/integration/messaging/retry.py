"""Retry with exponential backoff and jitter, honouring ``Retry-After``."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.engine import CallResult, RunEnvironment
from sim.integration.messaging.circuit_breaker import CircuitBreaker

__all__ = ["RetryPolicy", "Retrier", "GAVE_UP", "BREAKER_OPEN"]

GAVE_UP = CallResult("gave_up")
"""Returned when every attempt failed."""
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
    ) -> None:
        self.run = run
        self.policy = policy
        self.breaker = breaker
        self.wait_for_breaker = wait_for_breaker
        self._rng: np.random.Generator = run.streams.stream(f"retry.{name}")
        history = run.history
        self._event = history.event_code("integration.retry")
        self._actor = history.actor_code(f"retry:{name}")

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
        and tries again, without spending an attempt. A refusal other than ``unavailable``
        (e.g. ``throttled``) proves the dependency is up and closes the breaker.
        """
        sim = self.run.sim
        history = self.run.history
        breaker = self.breaker
        attempt = 0
        while attempt < self.policy.max_attempts:
            if breaker is not None and not breaker.allow():
                if not self.wait_for_breaker:
                    return BREAKER_OPEN
                yield sim.timeout(max(breaker.remaining(), self.policy.base_delay_s))
                continue
            attempt += 1
            answer = yield from operation()
            if not isinstance(answer, CallResult) or answer.ok:
                if breaker is not None:
                    breaker.succeeded()
                return answer
            if breaker is not None:
                if answer.status == "unavailable":
                    breaker.failed()
                else:
                    breaker.succeeded()
            if attempt == self.policy.max_attempts:
                break
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
