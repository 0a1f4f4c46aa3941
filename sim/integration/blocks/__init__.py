"""Building blocks that patterns compose.

Reconciliation, the exception desk, durable (parked) writes, the ATP cache, the scan
relay and event contracts: each takes its dependencies explicitly, so a pattern is the
wiring between them.
"""

from sim.integration.blocks.atp_cache import AtpCache
from sim.integration.blocks.contracts import EventContracts
from sim.integration.blocks.durable_writes import DurableWriter
from sim.integration.blocks.exception_desk import ExceptionDesk
from sim.integration.blocks.reconciliation import Reconciler, ReconciliationSettings
from sim.integration.blocks.scan_relay import ScanRelay

__all__ = [
    "AtpCache",
    "DurableWriter",
    "EventContracts",
    "ExceptionDesk",
    "Reconciler",
    "ReconciliationSettings",
    "ScanRelay",
]
