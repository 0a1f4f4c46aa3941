"""Carrier adapter: canonical shipments -> bookings; carrier scans -> canonical scans.

Canonical in, canonical out: the integration core tenders a :class:`Shipment` and takes
:class:`TrackingScan` objects, from the feed (:meth:`CarrierAdapter.deliver_scans`) or the tracking
API (:meth:`CarrierAdapter.track`); the carrier's own records stay inside this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from mock_systems.carrier import Booking, Carrier, CarrierScan
from sim.engine import CallResult
from sim.integration.canonical import Shipment, TrackingScan, scan_code

__all__ = ["CarrierAdapter"]


class CarrierAdapter:
    """Maps between the canonical model and the carrier's dialect."""

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier

    def deliver_scans(self, consumer: Callable[[TrackingScan], None]) -> None:
        """Hand each scan the feed brings to ``consumer``, mapped, at the instant it arrives.

        The feed pushes (no event per scan), so the consumer must not wait; a relay that
        dispatches at once is what it is for.
        """
        scan_from = self.scan_from
        self.carrier.feed.deliver_to(lambda scan: consumer(scan_from(scan)))

    def tender(
        self, shipment: Shipment, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | str]:
        """Book the carrier; returns the tracking number."""
        booking = Booking(
            shipment.shipment_id,
            shipment.shipment_number,
            shipment.order_ref,
            shipment.site,
            shipment.region,
            packages=max(1, sum(line.quantity for line in shipment.lines) // 12),
        )
        return self.carrier.tender(booking, timeout)

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
            code=scan_code(scan.code),
            occurred_at=scan.occurred_at,
            reason=scan.reason,
        )
