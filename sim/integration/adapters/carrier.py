"""Carrier adapter: canonical shipments -> bookings; carrier scans -> canonical scans."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from mock_systems.carrier import Booking, Carrier, CarrierScan
from sim.engine import CallResult
from sim.integration.canonical import ScanCode, Shipment, TrackingScan

__all__ = ["CarrierAdapter"]


class CarrierAdapter:
    """Maps between the canonical model and the carrier's dialect."""

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier

    @property
    def scans(self) -> Any:
        """The store through which scans reach the shipper."""
        return self.carrier.feed

    def tender(
        self, shipment: Shipment, shipment_number: int, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | str]:
        """Book the carrier; returns the tracking number."""
        booking = Booking(
            shipment.shipment_id,
            shipment_number,
            shipment.order_ref,
            shipment.site,
            shipment.region,
            packages=max(1, sum(line.quantity for line in shipment.lines) // 12),
        )
        answer: CallResult | str = yield from self.carrier.tender(booking, timeout)
        return answer

    def track(
        self, tracking_number: str, timeout: float = math.inf
    ) -> Generator[Any, Any, tuple[TrackingScan, ...] | CallResult]:
        """Every scan of a shipment so far, from the carrier's tracking API."""
        answer = yield from self.carrier.track(tracking_number, timeout)
        if isinstance(answer, CallResult):
            return answer
        return tuple(self.scan_from(scan) for scan in answer)

    @staticmethod
    def scan_from(scan: CarrierScan) -> TrackingScan:
        """The canonical form of a carrier scan."""
        return TrackingScan(
            carrier_event_id=scan.event_id,
            tracking_number=scan.tracking_number,
            shipment_id=scan.shipper_reference,
            order_ref=scan.order_ref,
            code=ScanCode(scan.code),
            occurred_at=scan.occurred_at,
            reason=scan.reason,
        )
