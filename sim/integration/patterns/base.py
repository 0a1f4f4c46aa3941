"""The Pattern interface every integration architecture implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from sim.engine import ActorRecorder, RunEnvironment
from sim.integration.adapters import (
    CarrierAdapter,
    CrmAdapter,
    DeskAdapter,
    ErpAdapter,
    ReturnsAdapter,
    WmsAdapter,
)
from sim.integration.blocks import WorkerPool
from sim.integration.messaging import MessageBus
from sim.integration.settings import (
    CallTimeouts,
    IntegrationSettings,
    Mechanisms,
    ScheduledReplay,
)

__all__ = [
    "CallTimeouts",
    "IntegrationPattern",
    "IntegrationSettings",
    "Mechanisms",
    "PatternContext",
    "ScheduledReplay",
]


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
    returns: ReturnsAdapter | None = None
    """The systems' returns parts; None in a world without returns."""


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
    WORKERS: ClassVar[tuple[str, ...]] = ()
    """Its own worker pools (fault targets ``workers:<name>``)."""
    message_bus: MessageBus | None = None
    """The pattern's bus, if it has one (a fault seam)."""
    worker_pools: Mapping[str, WorkerPool] = MappingProxyType({})
    """Its worker pools by name, each with ``set_available`` (fault seams)."""

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

    def forget_order(self, order_ref: int, deliveries: tuple[str, ...]) -> None:
        """Forget what the pattern remembers of an archived order (and its ERP deliveries).

        Called by the nightly archiving run (:mod:`sim.order_archive`) one residence time
        after the order was released from the systems, so that late copies of its
        messages and scans (duplicates, held-back scans) are still recognised until then.
        The CRM adapter's record of it goes; a pattern forgets its own per-order state too
        (dedupe ids, newest versions).
        """
        self.context.crm.forget_order(order_ref)
