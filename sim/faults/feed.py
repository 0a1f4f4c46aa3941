"""ScanFeed: the carrier's scans on their way to the shipper, where feed faults act.

The carrier puts each scan on its feed (webhook or aggregator batch); the integration takes
them from there. ``ScanFeed`` is that feed with fault state: while a feed fault is in
force it repeats, withholds, holds back or delays scans, deciding per scan from a draw
keyed by the scan's business identity: its shipment (order and which of the order's
shipments, ``shipment``) and its place among the shipment's scans (``sequence``). Event
ids, tracking and delivery numbers are handed out in the order shipments reach the
carrier, which depends on the pattern; the identity does not, so the same scan meets the
same fate under every pattern. A scan without that identity is keyed by its event id (and,
for ``scan_late``, its shipper reference). With no fault in force it is a plain
:class:`Mailbox`.
"""

from __future__ import annotations

from typing import Any

import simpy

from sim.engine import Mailbox, keyed_uniform

__all__ = ["FIRST_SCAN", "ScanFeed"]

FIRST_SCAN = "picked_up"
"""The carrier's first scan of every shipment (the one ``scan_late`` delays)."""


class ScanFeed(Mailbox[Any]):
    """A mailbox of carrier scans that can misbehave like a real tracking feed."""

    __slots__ = (
        "_seed",
        "duplicate_delay_s",
        "duplicate_rate",
        "late_first_max_s",
        "missing_rate",
        "reorder_delay_s",
        "reorder_rate",
    )

    def __init__(self, sim: simpy.Environment, seed: int) -> None:
        super().__init__(sim)
        self._seed = seed
        self.duplicate_rate = 0.0
        self.duplicate_delay_s = 600.0
        self.missing_rate = 0.0
        self.reorder_rate = 0.0
        self.reorder_delay_s = 6 * 3600.0
        self.late_first_max_s = 0.0

    def put(self, item: Any) -> None:
        """Deliver a scan, unless a fault in force repeats, withholds or delays it."""
        if not (
            self.duplicate_rate or self.missing_rate or self.reorder_rate or self.late_first_max_s
        ):
            super().put(item)
            return
        shipment = str(getattr(item, "shipment", ""))
        if shipment:
            scan: tuple[object, ...] = (shipment, item.sequence)
        else:
            shipment, scan = str(item.shipper_reference), (str(item.event_id),)
        seed = self._seed
        if self.missing_rate and keyed_uniform(seed, "scan_missing", *scan) < self.missing_rate:
            return
        delay = 0.0
        if self.late_first_max_s and item.code == FIRST_SCAN:
            delay = keyed_uniform(seed, "scan_late", shipment) * self.late_first_max_s
        if self.reorder_rate and keyed_uniform(seed, "scan_reorder", *scan) < self.reorder_rate:
            delay += self.reorder_delay_s
        self._deliver(item, delay)
        if (
            self.duplicate_rate
            and keyed_uniform(seed, "scan_duplicate", *scan) < self.duplicate_rate
        ):
            self._deliver(item, delay + self.duplicate_delay_s)

    def _deliver(self, item: Any, delay: float) -> None:
        if delay <= 0.0:
            Mailbox.put(self, item)
            return
        self._sim.timeout(delay).callbacks.append(lambda _: Mailbox.put(self, item))
