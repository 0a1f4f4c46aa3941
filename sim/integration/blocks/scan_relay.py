"""The scan relay: carrier scans deduplicated, resequenced and applied to the ERP in order.

Each scan is checked against the carrier's event ids already seen (dedupe) and the newest
``occurred_at`` applied per shipment (resequencing), then handed to one of a pool of
workers chosen by shipment, so a shipment's scans reach the ERP in order. A shipment's last
scan (``delivered``, or the ``exception`` of its return to the shipper) tells the tracking
poll to stop watching it. An ``exception`` scan of a failed delivery attempt passes like any
other: the new attempt's ``out_for_delivery`` and ``delivered`` happen later, so they are
newer and pass too.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from sim.engine import Mailbox, RunEnvironment
from sim.integration.adapters import ErpAdapter
from sim.integration.blocks.durable_writes import DurableWriter
from sim.integration.canonical import TrackingScan
from sim.integration.messaging import LatestWins, Retrier, SeenIds

__all__ = ["Delivered", "ScanRelay"]

Delivered = Callable[[str], None]
"""Told (shipment id) once a shipment's last scan (delivered or returned) was taken."""


class ScanRelay:
    """Takes canonical scans from the feed (or the tracking poll) to the ERP."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        erp: ErpAdapter,
        writer: DurableWriter,
        retriers: tuple[Retrier, Retrier],
        workers: int,
        timeout_s: float,
        dedupe: bool,
        resequencing: bool,
        delivered: Delivered,
    ) -> None:
        self.record = record
        self.erp = erp
        self.writer = writer
        self.retrier, self.parking = retriers
        self.timeout_s = timeout_s
        self.dedupe = dedupe
        self.resequencing = resequencing
        self.delivered = delivered
        """Told of each shipment whose last scan (delivered or returned) was taken."""
        self.seen = SeenIds()
        """Carrier event ids already taken."""
        self._latest = LatestWins()
        self._workers: list[Mailbox[TrackingScan]] = [Mailbox(run.sim) for _ in range(workers)]
        for mailbox in self._workers:
            run.sim.process(self._apply(mailbox))

    def accept(self, scan: TrackingScan) -> None:
        """Dedupe on the carrier's event id, keep only newer ``occurred_at``, dispatch."""
        if self.dedupe and not self.seen.first_time(scan.carrier_event_id, scan.order_ref):
            self.record("duplicate_suppressed", order=scan.order_ref, status=scan.code.value)
            return
        if self.resequencing and not self._latest.accept(scan.shipment_id, scan.occurred_at):
            self.record("stale_discarded", order=scan.order_ref, status=scan.code.value)
            return
        if scan.final:  # delivered, or returned to the shipper
            self.delivered(scan.shipment_id)
        workers = self._workers
        workers[zlib.crc32(scan.shipment_id.encode()) % len(workers)].put(scan)

    def forget_order(self, order_ref: int, deliveries: tuple[str, ...]) -> None:
        """Forget an archived order's scan ids and its shipments' newest scans.

        Its shipments are its ERP deliveries (the shipper's reference on every scan).
        """
        self.seen.forget(order_ref)
        for delivery in deliveries:
            self._latest.forget(delivery)

    def remembers(self, order_ref: int, deliveries: tuple[str, ...]) -> bool:
        """True while anything of the order is remembered (its scan ids or shipments)."""
        return self.seen.holds(order_ref) or any(d in self._latest for d in deliveries)

    def _apply(self, mailbox: Mailbox[TrackingScan]) -> Generator[Any, Any, None]:
        """One of the workers passing accepted scans to the ERP, in arrival order."""
        erp = self.erp
        while True:
            scan: TrackingScan = yield from mailbox.take()
            yield from self.writer.until_done(
                self.retrier,
                self.parking,
                partial(erp.record_tracking, scan.shipment_id, scan, self.timeout_s),
                scan.order_ref,
                "tracking",
            )
