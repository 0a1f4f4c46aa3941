"""Canonical business objects shared by every pattern and adapter.

The records every order makes on the hot path (the envelope, orders and their lines,
shipments, tracking scans and the ERP's answers) are immutable named tuples: the mock
systems enforce their rules where data enters, the adapters map from them, and a test
checks the contract each record's docstring states on everything the adapters build. The
rarer objects (parties, amendments, returns, invoices) stay validated pydantic models.
"""

from sim.integration.canonical.envelope import Envelope
from sim.integration.canonical.fulfilment import (
    Invoice,
    InvoiceLine,
    ScanCode,
    Shipment,
    ShipmentLine,
    TrackingScan,
    scan_code,
)
from sim.integration.canonical.order import (
    STATUS_RANK,
    AmendmentKind,
    Channel,
    Order,
    OrderAmendment,
    OrderLine,
    OrderStatus,
    SubmissionReceipt,
    ValidationResult,
    order_status,
)
from sim.integration.canonical.parties import Customer, ListPrice, Product
from sim.integration.canonical.returns import (
    RETURN_RANK,
    Return,
    ReturnLine,
    ReturnNews,
    ReturnReceived,
    ReturnStatus,
)

__all__ = [
    "order_status",
    "scan_code",
    "STATUS_RANK",
    "AmendmentKind",
    "Channel",
    "Customer",
    "Envelope",
    "Invoice",
    "InvoiceLine",
    "ListPrice",
    "Order",
    "OrderAmendment",
    "OrderLine",
    "OrderStatus",
    "Product",
    "RETURN_RANK",
    "Return",
    "ReturnLine",
    "ReturnNews",
    "ReturnReceived",
    "ReturnStatus",
    "ScanCode",
    "SubmissionReceipt",
    "ValidationResult",
    "Shipment",
    "ShipmentLine",
    "TrackingScan",
]
