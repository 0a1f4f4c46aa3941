"""Messaging and resilience mechanisms.

Bus and dead letters, retry with a budget, circuit breaker, client-side throttling,
resequencing and deduplication.
"""

from sim.integration.messaging.bus import (
    BusFaults,
    BusSettings,
    DeadLetter,
    Handler,
    MessageBus,
    Outcome,
    ReplayPolicy,
)
from sim.integration.messaging.circuit_breaker import CircuitBreaker, CircuitBreakerPolicy
from sim.integration.messaging.resequencer import LatestWins, SeenIds
from sim.integration.messaging.retry import (
    BREAKER_OPEN,
    BUDGET_EXHAUSTED,
    GAVE_UP,
    Retrier,
    RetryPolicy,
)
from sim.integration.messaging.token_bucket import ClientLimit, TokenBucket

__all__ = [
    "BREAKER_OPEN",
    "BUDGET_EXHAUSTED",
    "ClientLimit",
    "TokenBucket",
    "GAVE_UP",
    "BusFaults",
    "BusSettings",
    "DeadLetter",
    "Outcome",
    "ReplayPolicy",
    "CircuitBreaker",
    "CircuitBreakerPolicy",
    "Handler",
    "LatestWins",
    "MessageBus",
    "Retrier",
    "RetryPolicy",
    "SeenIds",
]
