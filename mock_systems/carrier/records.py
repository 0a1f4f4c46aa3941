"""The carrier's dialect: its scan codes, a tender, a scan, and a shipment's business name.

A shipment delivered at its first attempt has the scans ``MILESTONES``. A failed delivery
attempt adds an ``exception`` scan with a reason (``EXCEPTION_REASONS``) and a new
``out_for_delivery``; a shipment the carrier gives up on ends with an ``exception`` scan
whose reason is ``returned_to_sender``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "Booking",
    "CarrierScan",
    "EXCEPTION",
    "EXCEPTION_REASONS",
    "MILESTONES",
    "OUT_FOR_DELIVERY",
    "RETURNED_TO_SENDER",
    "shipment_key",
]

MILESTONES = ("picked_up", "in_transit", "out_for_delivery", "delivered")
"""The scans of a shipment delivered at its first attempt, in order."""

OUT_FOR_DELIVERY = "out_for_delivery"
"""The scan that starts a delivery attempt."""

EXCEPTION = "exception"
"""The scan of a failed delivery attempt (or of the shipment's return); it has a reason."""

EXCEPTION_REASONS = ("recipient_absent", "address_problem", "damaged")
"""Why a delivery attempt fails."""

RETURNED_TO_SENDER = "returned_to_sender"
"""The reason of the last exception scan of a shipment the carrier gave up delivering."""


def shipment_key(order_ref: int, nth: int) -> str:
    """The name of the ``nth`` shipment (1, 2, ...) of order ``order_ref`` at the carrier.

    Tracking and delivery numbers are handed out in the order shipments arrive, which
    depends on the integration; the order and its shipments' sequence do not.
    """
    return f"{order_ref}/{nth}"


@dataclass(frozen=True, slots=True)
class Booking:
    """A tender: the shipper's reference (delivery) and what is handed over."""

    shipper_reference: str
    reference_number: int
    order_ref: int
    site: str
    region: str
    packages: int


class CarrierScan(NamedTuple):
    """A tracking event in the carrier's dialect."""

    event_id: str
    tracking_number: str
    shipper_reference: str
    reference_number: int
    order_ref: int
    code: str
    occurred_at: float
    reason: str = ""
    """Why, for an ``exception`` scan."""
    shipment: str = ""
    """The shipment's business identity, :func:`shipment_key` (order and which of its
    shipments), which unlike the tracking number and event id does not depend on the order
    in which shipments reached the carrier."""
    sequence: int = 0
    """The scan's place among its shipment's scans (1, 2, ...)."""
