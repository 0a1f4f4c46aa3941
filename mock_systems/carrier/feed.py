"""How the carrier's scans reach the shipper: the feed (webhook or aggregator) and tracking.

Scans reach the shipper through ``feed``: either a webhook, each scan seconds after it
happens (a keyed delay per scan), or an aggregator that polls the carrier every few hours
and forwards everything new in one batch. The tracking API answers a query with every scan
of a shipment so far, from the carrier's record of its plan.

With the end-of-day manifest on, the carrier knows a shipment only from the manifest that
carries it: the first close-out after its tender transmits it (one ``manifest_transmitted``
row per site: status the site, value the shipments). Until then the tracking API knows
nothing of it and its scans are held; at the close-out the held scans are sent on.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial
from typing import Any

from mock_systems.carrier.draws import scan_draw
from mock_systems.carrier.parts import CarrierState
from mock_systems.carrier.records import CarrierScan, shipment_key
from sim.engine import CallResult, Endpoint
from sim.engine.schedule import next_start

__all__ = ["ScanFeed"]


class ScanFeed(CarrierState):
    """Mixin of the carrier's scan feed and tracking API (the carrier provides the state)."""

    _track: Endpoint
    _unpolled: list[CarrierScan]
    """Scans the aggregator has not polled yet."""
    _open_manifests: dict[str, list[str]]
    """Per site: tracking numbers tendered since the last close-out."""
    _unmanifested: set[str]
    """Tracking numbers not on a transmitted manifest yet."""
    _held: dict[str, list[tuple[CarrierScan, int]]]
    """Per unmanifested tracking number: its scans so far, with the shipment's ``nth``."""

    _closing_sites: set[str]

    def _enter_manifest(self, tracking: str, site: str) -> None:
        """Put a tendered shipment on its site's open manifest.

        A site's close-out loop starts with its first manifest and keeps the site's local
        time and holidays.
        """
        self._open_manifests.setdefault(site, []).append(tracking)
        self._unmanifested.add(tracking)
        if site not in self._closing_sites:
            self._closing_sites.add(site)
            self.sim.process(self._closeouts(site))

    def _release_scan(self, tracking: str, scan: CarrierScan, nth: int) -> None:
        """Send a scan on, or hold it while its shipment is on no transmitted manifest."""
        if tracking in self._unmanifested:
            self._held.setdefault(tracking, []).append((scan, nth))
        else:
            self._publish(scan, nth)

    def _closeouts(self, site: str) -> Generator[Any, Any, None]:
        """At each of the site's close-outs, transmit its open manifest; held scans go out."""
        sim = self.sim
        windows = self.config.manifest.schedule.windows()
        local = self.calendar.at(site)
        while True:
            yield sim.timeout(next_start(local, windows, sim.now) - sim.now)
            shipments = self._open_manifests.pop(site, [])
            if not shipments:
                continue
            self.record("manifest_transmitted", status=site, value=float(len(shipments)))
            for tracking in shipments:
                self._unmanifested.discard(tracking)
                for scan, nth in self._held.pop(tracking, ()):
                    self._publish(scan, nth)

    def track(
        self, tracking_number: str, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | tuple[CarrierScan, ...]]:
        """Every scan of a shipment so far (a tracking API query)."""
        booking = self.bookings.get(tracking_number)
        order = booking.order_ref if booking is not None else -1
        return self._track.call(order, partial(self._scans_so_far, tracking_number), timeout)

    def _scans_so_far(self, tracking: str) -> tuple[CarrierScan, ...]:
        plan = self._plans.get(tracking)
        if plan is None or tracking in self._unmanifested:
            return ()
        now = self.sim.now
        booking = self.bookings[tracking]
        shipment = shipment_key(booking.order_ref, self._nth[tracking])
        return tuple(
            self._scan(number, tracking, booking, code, at, reason, shipment, sequence)
            for sequence, (number, code, at, reason) in enumerate(zip(*plan, strict=True), 1)
            if at <= now
        )

    def _publish(self, scan: CarrierScan, nth: int) -> None:
        """Send a scan that just happened on its way; ``nth``: which shipment of its order."""
        if self.config.feed == "webhook":
            delay = self._draws.webhook(scan.order_ref, scan_draw(nth, scan.sequence))
            self.sim.process(self._push(scan, delay))
        else:
            self._unpolled.append(scan)

    def _push(self, scan: CarrierScan, delay: float) -> Generator[Any, Any, None]:
        yield self.sim.timeout(delay)
        self.feed.put(scan)

    def _aggregator(self) -> Generator[Any, Any, None]:
        while True:
            yield self.sim.timeout(self._draws.poll())
            batch, self._unpolled = self._unpolled, []
            for scan in batch:
                self.feed.put(scan)
            if batch:
                self.record("feed_polled", value=float(len(batch)))
