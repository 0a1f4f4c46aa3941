"""The Pattern interface every integration architecture implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.engine import ActorRecorder, RunEnvironment
from sim.integration.adapters import (
    CarrierAdapter,
    CrmAdapter,
    DeskAdapter,
    ErpAdapter,
    WmsAdapter,
)
from sim.integration.blocks import ReconciliationSettings
from sim.integration.messaging import (
    BusSettings,
    CircuitBreakerPolicy,
    ClientLimit,
    MessageBus,
    ReplayPolicy,
    RetryPolicy,
)

__all__ = [
    "CallTimeouts",
    "IntegrationPattern",
    "IntegrationSettings",
    "Mechanisms",
    "PatternContext",
    "ScheduledReplay",
]


class Mechanisms(BaseModel):
    """Off switches for each resilience mechanism (all on by default).

    A switch is how a test proves its mechanism necessary: with the fault it answers and
    the switch off, the invariant it protects must break.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    retry: bool = Field(default=True, description="retry refused calls with backoff")
    circuit_breaker: bool = Field(default=True, description="stop calling a failing system")
    client_throttle: bool = Field(default=True, description="pace calls to client_limits")
    idempotency_keys: bool = Field(default=True, description="send a key with order creation")
    store_and_forward: bool = Field(
        default=True, description="hold work the target cannot take and forward it later"
    )
    dead_letter_queue: bool = Field(default=True, description="keep messages that fail")
    resequencing: bool = Field(
        default=True, description="apply only newer sequence numbers and scan times"
    )
    dedupe: bool = Field(default=True, description="skip message and scan ids already seen")
    reconciliation: bool = Field(
        default=True, description="scheduled status reconciliation and carrier tracking poll"
    )
    compensation: bool = Field(
        default=True, description="cancel the ERP order too when an order is cancelled"
    )
    order_desk: bool = Field(default=True, description="route exceptions to the order desk")


class CallTimeouts(BaseModel):
    """How long the integration waits for each kind of call before giving up (always on).

    A caller that gives up does not undo the call: the callee may still commit it.
    Assumptions: typical client settings for synchronous APIs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    erp_validate_s: float = Field(default=15.0, gt=0)
    erp_create_s: float = Field(default=30.0, gt=0)
    erp_delivery_s: float = Field(default=30.0, gt=0)
    erp_extract_s: float = Field(default=120.0, gt=0)
    crm_write_s: float = Field(default=120.0, gt=0)
    wms_release_s: float = Field(default=30.0, gt=0)
    carrier_tender_s: float = Field(default=30.0, gt=0)


class ScheduledReplay(BaseModel):
    """Replay dead letters at a set hour: an operator's decision, written down in advance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at_h: float = Field(ge=0, description="hours since the run's start")
    subscriptions: tuple[str, ...] = Field(
        default=(), description="subscriptions to replay; () = every one"
    )
    policy: ReplayPolicy = ReplayPolicy()


class IntegrationSettings(BaseModel):
    """Which pattern runs and how its resilience mechanisms are tuned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(default="hybrid", description="a registered pattern name")
    retry: RetryPolicy = RetryPolicy()
    circuit_breaker: CircuitBreakerPolicy = CircuitBreakerPolicy()
    bus: BusSettings = BusSettings()
    mechanisms: Mechanisms = Mechanisms()
    timeouts: CallTimeouts = CallTimeouts()
    client_limits: dict[Literal["crm", "erp", "wms", "carrier"], ClientLimit] = Field(
        default_factory=dict, description="client-side pace per system (token buckets)"
    )
    status_sync_partitions: int = Field(default=8, gt=0)
    fulfilment_partitions: int = Field(default=8, gt=0)
    forward_retry_interval_s: float = Field(default=60.0, gt=0)
    scan_workers: int = Field(default=16, gt=0, description="consumers applying carrier scans")
    reconciliation: ReconciliationSettings = ReconciliationSettings()
    mappings: dict[str, float] = Field(
        default_factory=lambda: {"1.0": 0.0},
        description="event contract versions the consumers can map, and the hour each is deployed",
    )
    replay_on_deploy: bool = Field(
        default=True, description="replay unknown-schema dead letters when a mapping deploys"
    )
    replays: tuple[ScheduledReplay, ...] = Field(
        default=(), description="dead-letter replays at set hours (o2csim run --replay)"
    )
    atp_cache_refresh_s: float = Field(
        default=900.0, gt=0, description="how often the cached ATP used as fallback is refreshed"
    )

    @field_validator("pattern")
    @classmethod
    def _registered(cls, name: str) -> str:
        from sim.integration.patterns.registry import pattern_names  # registry imports us

        known = pattern_names()
        if name not in known:
            raise ValueError(f"unknown pattern {name!r}; expected one of {', '.join(known)}")
        return name


@dataclass(frozen=True)
class PatternContext:
    """What a pattern is given: the run and one adapter per system."""

    run: RunEnvironment
    crm: CrmAdapter
    erp: ErpAdapter
    wms: WmsAdapter
    carrier: CarrierAdapter
    settings: IntegrationSettings
    desk: DeskAdapter | None = None


class IntegrationPattern(ABC):
    """An integration architecture: how orders and status move between the systems.

    A pattern is constructed with a :class:`PatternContext` and starts its SimPy processes
    in :meth:`start`. It owns no business data; everything it does is recorded under the
    actor ``integration:<name>``.
    """

    name: ClassVar[str]
    TOPICS: ClassVar[tuple[str, ...]] = ()
    """Bus topics the pattern publishes to (fault targets)."""
    SUBSCRIPTIONS: ClassVar[tuple[str, ...]] = ()
    """Its bus subscriptions (fault targets ``subscriber:<name>``)."""
    message_bus: MessageBus | None = None
    """The pattern's bus, if it has one (a fault seam)."""

    def __init__(self, context: PatternContext) -> None:
        self.context = context
        self.run = context.run
        self.sim = context.run.sim
        self.record = ActorRecorder(context.run, f"integration:{self.name}", "integration").record
        """One history row ``integration.<event>`` at the current simulated time."""

    @abstractmethod
    def start(self) -> None:
        """Start the pattern's processes (called once, at time zero)."""

    def in_flight(self) -> tuple[int, int]:
        """(messages in flight, work held for a later retry) now; (0, 0) when quiescent."""
        return (0, 0)
