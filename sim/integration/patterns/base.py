"""The Pattern interface every integration architecture implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.engine import ActorRecorder, RunEnvironment
from sim.integration.adapters import CarrierAdapter, CrmAdapter, ErpAdapter, WmsAdapter
from sim.integration.messaging import BusSettings, CircuitBreakerPolicy, RetryPolicy

__all__ = ["IntegrationSettings", "PatternContext", "IntegrationPattern"]


class IntegrationSettings(BaseModel):
    """Which pattern runs and how its resilience mechanisms are tuned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(default="hybrid", description="a registered pattern name")
    retry: RetryPolicy = RetryPolicy()
    circuit_breaker: CircuitBreakerPolicy = CircuitBreakerPolicy()
    bus: BusSettings = BusSettings()
    status_sync_partitions: int = Field(default=8, gt=0)
    fulfilment_partitions: int = Field(default=8, gt=0)
    forward_retry_interval_s: float = Field(default=60.0, gt=0)
    scan_workers: int = Field(default=16, gt=0, description="consumers applying carrier scans")
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


class IntegrationPattern(ABC):
    """An integration architecture: how orders and status move between the systems.

    A pattern is constructed with a :class:`PatternContext` and starts its SimPy processes
    in :meth:`start`. It owns no business data; everything it does is recorded under the
    actor ``integration:<name>``.
    """

    name: ClassVar[str]

    def __init__(self, context: PatternContext) -> None:
        self.context = context
        self.run = context.run
        self.sim = context.run.sim
        self.record = ActorRecorder(context.run, f"integration:{self.name}", "integration").record
        """One history row ``integration.<event>`` at the current simulated time."""

    @abstractmethod
    def start(self) -> None:
        """Start the pattern's processes (called once, at time zero)."""
