"""Canonical business objects (pydantic v2) shared by every pattern and adapter."""

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
