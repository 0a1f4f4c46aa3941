"""The data side of :class:`~sim.engine.endpoint.Endpoint`: its spec and its monitor.

:class:`EndpointSpec` is what an endpoint is configured with, :class:`EndpointMonitor` what
it measures.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.engine.distributions import Distribution, LogNormal
from sim.engine.monitor import LevelMonitor
from sim.engine.rate_limit import RateLimitSpec
from sim.engine.throttle import ThrottleSpec

__all__ = ["EndpointMonitor", "EndpointSpec"]


class EndpointSpec(BaseModel):
    """How one system operation behaves under load."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_time: Distribution = Field(
        default_factory=lambda: LogNormal(mean=0.3, cv=0.5),
        description="time a server spends on one request, seconds",
    )
    concurrency: int = Field(default=8, gt=0, description="requests served at once")
    rate_limit: RateLimitSpec | None = Field(
        default=None, description="sliding-window limit; excess calls get 429 Retry-After"
    )
    throttle: ThrottleSpec | None = Field(
        default=None, description="service protection limits (requests, execution, concurrency)"
    )
    refusal_s: float = Field(
        default=0.5, ge=0, description="time until a caller of a down endpoint is refused"
    )
    per_line: Distribution | None = Field(
        default=None,
        description="extra service time per order line, seconds, for calls that carry an "
        "order's lines (one draw per request, times its lines); None: size does not matter",
    )


class EndpointMonitor:
    """Requests waiting and in service over time (L and Lq in Little's law).

    Two :class:`LevelMonitor` levels; the endpoint moves them as requests arrive, start,
    give up and finish.
    """

    __slots__ = ("in_service", "waiting")

    def __init__(self, start: float) -> None:
        self.waiting = LevelMonitor(start)
        self.in_service = LevelMonitor(start)

    def mean_counts(self, now: float) -> tuple[float, float]:
        """Time-average (waiting, in service) from the start up to ``now``."""
        return (self.waiting.mean(now), self.in_service.mean(now))
