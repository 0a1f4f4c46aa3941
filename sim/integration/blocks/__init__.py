"""Building blocks that patterns compose.

Callers (retriers, breakers, token buckets), order submission with store and forward,
durable (parked) writes, CRM status sync, the fulfilment handoffs, the exception desk,
reconciliation, the ATP cache, the scan relay, event contracts, the ERP read-back of
notification events and the master-data sync: each takes its
notification events and the intake of ERP-originated orders into the CRM: each takes its
reconciliation, the ATP cache, the scan relay, event contracts, customer amendments and the
ERP read-back of notification events: each takes its
dependencies explicitly, so a pattern is the wiring between them.
"""

from sim.integration.blocks.amendments import OrderAmendments
from sim.integration.blocks.atp_cache import AtpCache
from sim.integration.blocks.callers import Callers
from sim.integration.blocks.contracts import EventContracts
from sim.integration.blocks.durable_writes import DurableWriter
from sim.integration.blocks.exception_desk import ExceptionDesk
from sim.integration.blocks.fulfilment import Fulfilment, Tendered
from sim.integration.blocks.master_data_sync import Dispatch, MasterDataSync
from sim.integration.blocks.order_intake import ErpOrderIntake
from sim.integration.blocks.order_submission import OrderSubmission
from sim.integration.blocks.read_back import ReadBack
from sim.integration.blocks.reconciliation import Reconciler, ReconciliationSettings
from sim.integration.blocks.returns import ReturnsFlow
from sim.integration.blocks.scan_relay import Delivered, ScanRelay
from sim.integration.blocks.status_sync import (
    CrmStatusSync,
    StatusNews,
    news_from_event,
    news_from_reading,
)
from sim.integration.blocks.status_transports import BulkSync, OrderPoller
from sim.integration.blocks.worker_pool import WorkerPool

__all__ = [
    "BulkSync",
    "OrderPoller",
    "AtpCache",
    "Callers",
    "CrmStatusSync",
    "Delivered",
    "Dispatch",
    "DurableWriter",
    "ErpOrderIntake",
    "EventContracts",
    "ExceptionDesk",
    "Fulfilment",
    "MasterDataSync",
    "OrderAmendments",
    "OrderSubmission",
    "ReturnsFlow",
    "ReadBack",
    "Reconciler",
    "ReconciliationSettings",
    "ScanRelay",
    "StatusNews",
    "Tendered",
    "WorkerPool",
    "news_from_event",
    "news_from_reading",
]
