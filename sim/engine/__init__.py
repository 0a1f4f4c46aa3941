"""Layer 0 of o2csim: simulation machinery with no business knowledge.

It holds the run environment (SimPy environment, named seeded streams, history recorder),
the Endpoint queueing station with its rate limiter, and duration distributions.
"""

from sim.engine.distributions import (
    Constant,
    Distribution,
    Exponential,
    Gamma,
    KeyedSampler,
    LogNormal,
    Quantile,
    Sampler,
    Triangular,
    Uniform,
)
from sim.engine.endpoint import (
    CALL_EVENT,
    CALL_OUTCOMES,
    CallResult,
    Endpoint,
    EndpointMonitor,
    EndpointSpec,
    OutageMode,
)
from sim.engine.environment import RunEnvironment
from sim.engine.history import COLUMNS, NONE, History, Vocabulary
from sim.engine.mailbox import Mailbox
from sim.engine.monitor import LevelMonitor
from sim.engine.rate_limit import RateLimitSpec, SlidingWindowLimiter
from sim.engine.recorder import ActorRecorder
from sim.engine.streams import (
    BufferedDraws,
    KeyedDraws,
    RandomStreams,
    keyed_uniform,
    keyed_unit,
    keyed_units,
    stream_key,
)
from sim.engine.throttle import ServiceProtection, ThrottleSpec, throttle_preset

__all__ = [
    "ActorRecorder",
    "CALL_EVENT",
    "CALL_OUTCOMES",
    "OutageMode",
    "ServiceProtection",
    "ThrottleSpec",
    "keyed_uniform",
    "keyed_unit",
    "keyed_units",
    "stream_key",
    "throttle_preset",
    "COLUMNS",
    "NONE",
    "BufferedDraws",
    "CallResult",
    "Constant",
    "Distribution",
    "Endpoint",
    "EndpointMonitor",
    "EndpointSpec",
    "Exponential",
    "Gamma",
    "History",
    "KeyedDraws",
    "KeyedSampler",
    "LevelMonitor",
    "LogNormal",
    "Mailbox",
    "Quantile",
    "RandomStreams",
    "RateLimitSpec",
    "RunEnvironment",
    "Sampler",
    "SlidingWindowLimiter",
    "Triangular",
    "Uniform",
    "Vocabulary",
]
