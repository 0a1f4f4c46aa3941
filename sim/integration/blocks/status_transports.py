"""Two ways status reaches CRM without events: polling per order, and a scheduled bulk sync.

* :class:`OrderPoller`: every ``interval_s`` a job reads each open order's status, a few
  callouts at a time, and writes what changed; an order leaves the poll once the pattern's
  ``done`` says CRM has seen the last of it (for example: delivered and every invoice paid,
  or cancelled); ``pause`` lets an order be polled less often (for example a delivered
  order waiting weeks for its payment). API calls grow with the number of open orders,
  and CRM is as stale as the interval.
* :class:`BulkSync`: every ``interval_s`` one job extracts every order changed since the
  last successful run and writes each; a failed extract is tried again from the same
  point at the next run, so nothing is lost, only late.

Both hand what they read to the CRM status sync as :class:`StatusNews`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters import StatusReading
from sim.integration.blocks.status_sync import StatusNews, news_from_reading
from sim.integration.messaging import Outcome

__all__ = ["BulkSync", "NewsSink", "OrderPoller"]

ReadOne = Callable[[int], Generator[Any, Any, Any]]
"""Read one order's status: a reading, None (no such order) or a failed call."""

_Seen = tuple[int, tuple[Any, ...], tuple[Any, ...]] | None
"""An order's (status version, shipments, invoices) last written to CRM; None before."""

Extract = Callable[[float], Generator[Any, Any, Any]]
"""Extract every order changed after a time: a list of readings or a failed call."""


class NewsSink(Protocol):
    """Where status news goes: the CRM status sync (:class:`CrmStatusSync`)."""

    def apply(self, news: StatusNews) -> Generator[Any, Any, Outcome]:
        """Write what is newer than CRM shows."""
        ...


class OrderPoller:
    """Polls the ERP for each open order on a schedule and writes changes to CRM."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        read: ReadOne,
        sync: NewsSink,
        interval_s: float,
        concurrency: int,
        done: Callable[[StatusReading], bool],
        pause: Callable[[StatusReading], float] = lambda _reading: 0.0,
    ) -> None:
        self.run = run
        self.record = record
        self.read = read
        self.sync = sync
        self.interval_s = interval_s
        self.concurrency = concurrency
        self.done = done
        self.pause = pause
        self.open: dict[int, _Seen] = {}
        """Orders still polled for, with what was last written to CRM about each."""
        self.due: dict[int, float] = {}
        """Orders polled less often (``pause``), with when they are next due."""

    def watch(self, order_ref: int) -> None:
        """Poll for ``order_ref`` from the next run on."""
        self.open[order_ref] = None

    def forget(self, order_ref: int) -> None:
        """Stop polling for ``order_ref``."""
        self.open.pop(order_ref, None)
        self.due.pop(order_ref, None)

    def start(self) -> None:
        """Start the polling job."""
        self.run.sim.process(self._schedule())

    def _schedule(self) -> Generator[Any, Any, None]:
        sim = self.run.sim
        while True:
            yield sim.timeout(self.interval_s)
            now, due = self.run.now, self.due
            refs = sorted(ref for ref in self.open if due.get(ref, now) <= now)
            if not refs:
                continue
            self.record("poll_started", value=float(len(refs)))
            callouts = [
                sim.process(self._poll(refs[i :: self.concurrency]))
                for i in range(min(self.concurrency, len(refs)))
            ]
            yield sim.all_of(callouts)

    def _poll(self, refs: list[int]) -> Generator[Any, Any, None]:
        for ref in refs:
            reading = yield from self.read(ref)
            if not isinstance(reading, StatusReading):
                continue  # not in the ERP (yet), or the poll failed: next time
            seen = (reading.version, reading.shipments, reading.invoices)
            if ref not in self.open:
                continue  # forgotten (cancelled) while the read was under way
            if seen != self.open[ref]:
                outcome = yield from self.sync.apply(news_from_reading(reading))
                if outcome is Outcome.FAILED:
                    continue  # written again at the next poll
                if self.done(reading):
                    self.forget(ref)
                    continue
                if ref in self.open:
                    self.open[ref] = seen
            pause = self.pause(reading)
            if pause > 0 and ref in self.open:
                self.due[ref] = self.run.now + pause


class BulkSync:
    """Extracts what changed since the last good run, on a schedule, and writes it to CRM."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        extract: Extract,
        sync: NewsSink,
        interval_s: float,
        dispatch: Callable[[Callable[[], Generator[Any, Any, None]]], object],
    ) -> None:
        self.run = run
        self.record = record
        self.extract = extract
        self.sync = sync
        self.interval_s = interval_s
        self.dispatch = dispatch
        self.synced_to = 0.0
        """Changes up to this time have reached CRM (the watermark)."""

    def start(self) -> None:
        """Schedule the sync job; each run is handed to ``dispatch`` (e.g. a worker pool)."""
        self.run.sim.process(self._schedule())

    def _schedule(self) -> Generator[Any, Any, None]:
        while True:
            yield self.run.sim.timeout(self.interval_s)
            self.dispatch(self.sync_once)

    def sync_once(self) -> Generator[Any, Any, None]:
        """One run: extract since the watermark, write each change, move the watermark."""
        started = self.run.now
        readings = yield from self.extract(self.synced_to)
        if isinstance(readings, CallResult):
            self.record("sync_failed", status=readings.status)
            return
        self.record("sync_extracted", value=float(len(readings)))
        for reading in readings:
            yield from self.sync.apply(news_from_reading(reading))
        self.synced_to = started
