"""Messaging and resilience mechanisms: bus, retry, circuit breaker, resequencing."""

from sim.integration.messaging.bus import BusSettings, Handler, MessageBus
from sim.integration.messaging.circuit_breaker import CircuitBreaker, CircuitBreakerPolicy
from sim.integration.messaging.resequencer import LatestWins, SeenIds
from sim.integration.messaging.retry import BREAKER_OPEN, GAVE_UP, Retrier, RetryPolicy

__all__ = [
    "BREAKER_OPEN",
    "GAVE_UP",
    "BusSettings",
    "CircuitBreaker",
    "CircuitBreakerPolicy",
    "Handler",
    "LatestWins",
    "MessageBus",
    "Retrier",
    "RetryPolicy",
    "SeenIds",
]
