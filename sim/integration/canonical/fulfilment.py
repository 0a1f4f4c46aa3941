"""Canonical shipments, tracking and invoices."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from pydantic import Field

from sim.integration.canonical.base import CanonicalModel, member_parser

__all__ = [
    "scan_code",
    "RETURNED_TO_SENDER",
    "ScanCode",
    "ShipmentLine",
    "Shipment",
    "TrackingScan",
    "InvoiceLine",
    "Invoice",
]

RETURNED_TO_SENDER = "returned_to_sender"
"""The reason of a shipment's last ``exception`` scan when the carrier gave up delivering it
and sends it back (after its last failed delivery attempt)."""


class ScanCode(StrEnum):
    """Carrier tracking milestones.

    ``exception`` is a failed delivery attempt (a new attempt follows with
    ``out_for_delivery``) or, with the reason ``returned_to_sender``, the shipment's return.
    """

    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


scan_code = member_parser(ScanCode)
"""``ScanCode(value)``, as one dictionary look-up."""


class ShipmentLine(NamedTuple):
    """Units of one order line in one shipment (contract: ``line_no`` >= 1, ``quantity`` > 0)."""

    line_no: int
    sku: str
    quantity: int


class Shipment(NamedTuple):
    """A parcel or pallet leaving a site for one order.

    Contract: a non-empty ``shipment_id``, ``shipment_number`` and ``order_ref`` >= 0, at
    least one line, ``shipped_at`` >= 0.
    """

    shipment_id: str
    shipment_number: int
    """Numeric form of the shipment id."""
    correlation_id: str
    order_ref: int
    site: str
    region: str
    lines: tuple[ShipmentLine, ...]
    shipped_at: float


class TrackingScan(NamedTuple):
    """One carrier scan, deduplicated on ``carrier_event_id`` and ordered by ``occurred_at``.

    Contract: a non-empty ``carrier_event_id``, ``order_ref`` >= 0, ``occurred_at`` >= 0.
    """

    carrier_event_id: str
    tracking_number: str
    shipment_id: str
    order_ref: int
    code: ScanCode
    occurred_at: float
    reason: str = ""
    """Why, for an exception scan."""

    @property
    def final(self) -> bool:
        """The shipment's last scan: delivered, or returned to the shipper."""
        code = self.code
        return code is ScanCode.DELIVERED or (
            code is ScanCode.EXCEPTION and self.reason == RETURNED_TO_SENDER
        )


class InvoiceLine(CanonicalModel):
    """One billed line."""

    line_no: int = Field(ge=1)
    sku: str
    quantity: int = Field(gt=0)
    unit_price: float = Field(ge=0)


class Invoice(CanonicalModel):
    """A posted invoice for shipped goods."""

    invoice_id: str = Field(min_length=1)
    order_ref: int = Field(ge=0)
    lines: tuple[InvoiceLine, ...] = Field(min_length=1)
    net: float = Field(ge=0)
    tax: float = Field(ge=0)
    total: float = Field(ge=0)
    posted_at: float = Field(ge=0)
