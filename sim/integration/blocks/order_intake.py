"""ERP order intake: the CRM learns of orders that began in the ERP (EDI orders).

An EDI order enters at the ERP (an IDoc) and the CRM has no record of it. Polling only
the orders the CRM already knows never finds it, so each pattern must learn of it its own
way and then create it in the CRM; this block is the shared mechanics:

* :meth:`ErpOrderIntake.create_order`: create the CRM order record of a canonical order
  (a durable write; an upsert by the ERP order number, so a repeat is harmless), e.g. from
  the ERP's ``OrderCreated`` data event. Its delivery region is noted for the carrier;
* :meth:`ErpOrderIntake.take`: from an order read back whole from the ERP, create the
  record and then write the order's current status, shipments and invoices through the
  CRM status sync;
* :meth:`ErpOrderIntake.by_key`: read the order back by key first and create its record
  (for a business event, an extract line or any news about an order the CRM does not know
  yet); the news itself is written next, as for any order;
* :meth:`ErpOrderIntake.poll_created`: a scheduled job asking the ERP for the orders it
  originated since the last good run ("orders created since"), taking each one the CRM
  lacks and telling the pattern (``taken``), e.g. to poll it from then on. The watermark
  moves only past what was taken, so a failed run or a failed take is tried again.

The CRM status sync calls :meth:`by_key` for news about an order the CRM lacks, so every
status path (events, extracts, repairs) creates the record before writing to it. With
``integration.mechanisms.erp_order_intake`` off, such news is dropped
(``integration.no_crm_record``) and the CRM never shows ERP-originated orders.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any, Protocol

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters import CrmAdapter, ErpAdapter
from sim.integration.adapters.erp import OrderReading
from sim.integration.blocks.durable_writes import DurableWriter
from sim.integration.blocks.read_back import ReadBack
from sim.integration.blocks.status_sync import StatusNews, news_from_reading
from sim.integration.canonical import Order
from sim.integration.messaging import Outcome, Retrier

__all__ = ["ErpOrderIntake"]


class _Sync(Protocol):
    def apply(self, news: StatusNews) -> Generator[Any, Any, Outcome]: ...


class ErpOrderIntake:
    """Creates CRM order records for ERP-originated orders and writes their status."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        crm: CrmAdapter,
        erp: ErpAdapter,
        writer: DurableWriter,
        retriers: tuple[Retrier, Retrier, Retrier],
        read_back: ReadBack,
        sync: _Sync,
        regions: dict[int, str],
        timeouts: tuple[float, float],
    ) -> None:
        self.run = run
        self.record = record
        self.crm = crm
        self.erp = erp
        self.writer = writer
        self.crm_retry, self.parking, self.erp_retry = retriers
        self.read_back = read_back
        self.sync = sync
        self.regions = regions
        self.crm_timeout_s, self.extract_timeout_s = timeouts
        self.watermark = 0.0
        """ERP-originated orders created up to this time are in the CRM (``poll_created``)."""
        self._running = False

    def take(self, reading: OrderReading) -> Generator[Any, Any, bool]:
        """Create the CRM record of an order read back, then write its status; True if done."""
        created = yield from self.create(reading)
        if not created:
            return False
        outcome = yield from self.sync.apply(news_from_reading(reading.status))
        return outcome is not Outcome.FAILED

    def create(self, reading: OrderReading) -> Generator[Any, Any, bool]:
        """Create the CRM order record of an order read back; True once the CRM has it."""
        ref = reading.status.order_ref
        if self.crm.has_record(ref):
            return True
        order = reading.canonical()
        if order is None:
            self.record("intake_failed", order=ref, status="unreadable_order")
            return False
        created: bool = yield from self.create_order(order, reading.status.erp_order_number)
        return created

    def create_order(self, order: Order, erp_order_number: str) -> Generator[Any, Any, bool]:
        """Create the CRM order record of a canonical order (e.g. from a data event)."""
        ref = order.order_ref
        if self.crm.has_record(ref):
            return True
        self.regions.setdefault(ref, order.region)
        answer = yield from self.writer.until_done(
            self.crm_retry,
            self.parking,
            partial(self.crm.create_order, order, erp_order_number, self.crm_timeout_s),
            ref,
            "crm_order_record",
        )
        if isinstance(answer, CallResult) and not answer.ok:
            return False
        self.record("erp_order_taken", order=ref, status=order.channel.value)
        return True

    def by_key(self, order_ref: int) -> Generator[Any, Any, bool]:
        """Read an order the CRM lacks back from the ERP and create its record; True if done.

        The news that found the order unknown is written next, by whoever asked.
        """
        done = yield from self.read_back.order(order_ref, self.create)
        return done is True

    def poll_created(
        self,
        interval_s: float,
        taken: Callable[[int], None],
        dispatch: Callable[[Callable[[], Generator[Any, Any, None]]], object] | None = None,
    ) -> None:
        """Schedule the "orders created since" job; ``dispatch`` runs each run (a flow)."""
        self.run.sim.process(self._schedule(interval_s, taken, dispatch))

    def _schedule(
        self,
        interval_s: float,
        taken: Callable[[int], None],
        dispatch: Callable[[Callable[[], Generator[Any, Any, None]]], object] | None,
    ) -> Generator[Any, Any, None]:
        sim = self.run.sim
        while True:
            yield sim.timeout(interval_s)
            if dispatch is None:
                yield from self.take_created(taken)
            else:
                dispatch(partial(self.take_created, taken))

    def take_created(self, taken: Callable[[int], None]) -> Generator[Any, Any, None]:
        """One run: every ERP-originated order since the watermark the CRM lacks is taken.

        Runs never overlap (one waiting behind a slow or stalled one is skipped): two runs
        writing the same order's status from readings taken at different times could land
        in the wrong order.
        """
        if self._running:
            self.record("intake_poll_skipped")
            return
        self._running = True
        try:
            yield from self._take_created(taken)
        finally:
            self._running = False

    def _take_created(self, taken: Callable[[int], None]) -> Generator[Any, Any, None]:
        started = self.run.now
        readings = yield from self.erp_retry.run_call(
            partial(self.erp.created_orders, self.watermark, self.extract_timeout_s)
        )
        if isinstance(readings, CallResult):
            self.record("intake_poll_failed", status=readings.status)
            return
        self.record("intake_polled", value=float(len(readings)))
        failed_from = started
        for reading in readings:
            ref = reading.status.order_ref
            if self.crm.has_record(ref):
                continue
            if (yield from self.take(reading)):
                taken(ref)
            else:
                failed_from = min(failed_from, reading.created_at - 1e-6)
        self.watermark = max(self.watermark, failed_from)

    def pending(self) -> int:
        """ERP-originated orders after the watermark (a peek, for a quiescent end)."""
        return self.erp.uncreated_orders(self.watermark)
