"""Canonical business objects (pydantic v2) shared by every pattern and adapter."""

from sim.integration.canonical.envelope import Envelope
from sim.integration.canonical.fulfilment import (
    Invoice,
    InvoiceLine,
    ScanCode,
    Shipment,
    ShipmentLine,
    TrackingScan,
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
)
from sim.integration.canonical.parties import Customer, Product

__all__ = [
    "STATUS_RANK",
    "AmendmentKind",
    "Channel",
    "Customer",
    "Envelope",
    "Invoice",
    "InvoiceLine",
    "Order",
    "OrderAmendment",
    "OrderLine",
    "OrderStatus",
    "Product",
    "ScanCode",
    "SubmissionReceipt",
    "ValidationResult",
    "Shipment",
    "ShipmentLine",
    "TrackingScan",
]
