"""Faults as data, applied at named seams (ARCHITECTURE.md, "Seams for the second wave").

A scenario's ``faults:`` section is a list of :data:`AnyFault` specs. Before time zero
:func:`expand` turns them into a :class:`FaultTimeline` of plain windows (kind, target,
start, end, parameters), drawn from streams of their own so it is the same under every
pattern; :class:`FaultRunner` applies it to a run's :class:`FaultSeams` (endpoints, the bus,
the carrier feed and deliveries, ...). A new fault kind is one module in
``sim/faults/kinds`` that registers a :class:`FaultKind`, plus its spec in
:data:`AnyFault`.
"""

from typing import Annotated

from pydantic import Field

from sim.faults.feed import ScanFeed
from sim.faults.kinds.brownout import BrownoutFault
from sim.faults.kinds.contract import SchemaChangeFault
from sim.faults.kinds.delivery import DeliveryExceptionFault
from sim.faults.kinds.lost_response import LostResponseFault
from sim.faults.kinds.master_data import CustomerSyncLagFault, MaterialBlockFault, PriceChangeFault
from sim.faults.kinds.messages import (
    BusDelayFault,
    BusDuplicateFault,
    BusReorderFault,
    ConsumerCrashFault,
    PoisonFault,
)
from sim.faults.kinds.outage import OutageFault
from sim.faults.kinds.people import DeskStaffingFault, SlowConsumerFault
from sim.faults.kinds.scans import (
    ScanDuplicateFault,
    ScanLateFault,
    ScanMissingFault,
    ScanReorderFault,
)
from sim.faults.kinds.throttle import ThrottleFault
from sim.faults.registry import FaultKind, fault_kind, fault_kinds, register
from sim.faults.runner import FaultRunner
from sim.faults.seams import FaultSeams, MasterDataSeam, known_targets
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultTimeline, FaultWindow, expand
from sim.faults.timing import FaultTiming, HourWindow, RandomFailures, WeeklySchedule

__all__ = [
    "AnyFault",
    "FaultKind",
    "FaultRunner",
    "FaultSeams",
    "FaultSpec",
    "FaultTimeline",
    "FaultTiming",
    "FaultWindow",
    "HourWindow",
    "MasterDataSeam",
    "RandomFailures",
    "ScanFeed",
    "WeeklySchedule",
    "expand",
    "fault_kind",
    "fault_kinds",
    "known_targets",
    "register",
]

AnyFault = Annotated[
    OutageFault
    | BrownoutFault
    | ThrottleFault
    | LostResponseFault
    | BusDuplicateFault
    | BusDelayFault
    | BusReorderFault
    | ConsumerCrashFault
    | PoisonFault
    | ScanDuplicateFault
    | ScanMissingFault
    | ScanReorderFault
    | ScanLateFault
    | DeliveryExceptionFault
    | PriceChangeFault
    | MaterialBlockFault
    | CustomerSyncLagFault
    | SchemaChangeFault
    | SlowConsumerFault
    | DeskStaffingFault,
    Field(discriminator="kind"),
]
"""Any shipped fault spec, told apart by ``kind``."""
