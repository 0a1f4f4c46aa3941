"""Allocation of the mock ERP: ATP extracts, the periodic allocation run and backorders.

Accepted orders wait in the allocation queue. On every allocation interval (when there
is something to do) a run allocates what the plant's ATP allows: each order gets a
delivery for the quantities granted, and whatever stays open is a backorder. When stock
was received since the last run, backorders are allocated first, oldest first, before the
new orders.

A run's work grows with the order lines it processes (``allocation_time_per_line``,
shared among the job's parallel packets) and runs through the ERP's batch seam, on its
work processes. A run's base duration belongs to its interval, not to the runs before it:
the run at the i-th interval boundary takes draw i of the keyed stream ``erp.allocation``
(entity -1, as calls that belong to no order), so whether earlier intervals had work,
which depends on the pattern, does not move it.

With ``backorder_rescheduling`` on (SAP V_V2) a receipt does not send the backorders into
the allocation run: a scheduled rescheduling run re-checks every backorder against ATP in
priority order (oldest order first), after ``setup_s`` plus ``seconds_per_document`` per
backorder of background work (``_background_job("backorder_rescheduling", ...)``), and
leaves a ``batch_started`` and a ``batch_finished`` row (status
``backorder_rescheduling``; value: backorders checked; the finished row's value2: seconds).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import Delivery, SalesOrder
from sim.engine import NONE, Endpoint, KeyedSampler
from sim.engine.calendar import WorkCalendar
from sim.engine.schedule import next_start

__all__ = ["Allocation"]


class Allocation(ErpState):
    """Mixin of the ERP's ATP and allocation (the ERP provides the state used here)."""

    _atp_extract: Endpoint
    _stock_received: bool
    _run_time: KeyedSampler
    calendar: WorkCalendar

    def atp_changes(self, plant: str, timeout: float = math.inf) -> Generator[Any, Any, Any]:
        """Delta extract: ATP of the materials whose stock moved at a plant since the last one.

        Driven by change pointers, as an ERP's change-pointer extract is: the first call
        returns every stocked material, later calls only what allocation, goods issue or
        goods receipt touched. It has a single consumer.
        """
        return self._atp_extract.call(NONE, partial(self.inventory.take_changes, plant), timeout)

    def _allocation_loop(self) -> Generator[Any, Any, None]:
        interval = self.config.allocation_interval_s
        while True:
            yield self.sim.timeout(interval - self.sim.now % interval)
            if not self._allocation_queue and not self._stock_received:
                continue
            duration = self._run_time(NONE, round(self.sim.now / interval))
            per_line = self.config.allocation_time_per_line
            if per_line:
                duration += (
                    per_line
                    * self._lines_to_allocate()
                    / max(1, self.config.work_processes.batch_packets)
                )
            yield from self._background_job("allocation_run", duration)
            self._allocate_all()

    def _lines_to_allocate(self) -> int:
        """Order lines the next run processes: the queue's, and the backorders' on receipt."""
        orders = self.orders
        queue = self._allocation_queue
        if self._stock_received:
            queue = self._backorders + queue
        return sum(len(orders[document].items) for document in queue)

    def _note_receipt(self) -> None:
        # with nightly rescheduling, a receipt waits for the rescheduling run
        self._stock_received = not self.config.backorder_rescheduling.enabled

    def _rescheduling_loop(self) -> Generator[Any, Any, None]:
        """Scheduled backorder rescheduling: every backorder re-checked, oldest first."""
        runs = self.config.backorder_rescheduling
        windows = runs.schedule.windows()
        sim = self.sim
        while True:
            yield sim.timeout(next_start(self.calendar, windows, sim.now) - sim.now)
            if not self._backorders:
                continue
            started = sim.now
            checked = len(self._backorders)
            self.record("batch_started", status="backorder_rescheduling", value=float(checked))
            yield from self._background_job(
                "backorder_rescheduling", runs.setup_s + checked * runs.seconds_per_document
            )
            orders = self.orders
            due = sorted(
                self._backorders, key=lambda d: (orders[d].created_at, orders[d].customer_reference)
            )
            self._backorders = []
            for document in due:
                order = orders[document]
                if order.status == "CANCELLED":
                    continue
                self._allocate(order)
                if any(item.open_quantity > 0 for item in order.items):
                    self._backorders.append(document)
            self.record(
                "batch_finished",
                status="backorder_rescheduling",
                value=float(len(due)),
                value2=sim.now - started,
            )

    def _allocate_all(self) -> None:
        """Allocate backorders first (oldest first) when stock arrived, then new orders."""
        queue = self._allocation_queue
        if self._stock_received:
            queue = self._backorders + queue
            self._backorders = []
            self._stock_received = False
        self._allocation_queue = []
        for document in queue:
            order = self.orders[document]
            if order.status == "CANCELLED":
                continue
            self._allocate(order)
            if any(item.open_quantity > 0 for item in order.items):
                self._backorders.append(document)

    def _allocate(self, order: SalesOrder) -> None:
        first_attempt = not order.allocation_attempted
        order.allocation_attempted = True
        lines: list[tuple[int, str, int]] = []
        for item in order.items:
            if item.open_quantity > 0:
                granted = self.inventory.allocate(order.plant, item.material, item.open_quantity)
                if granted:
                    item.allocated += granted
                    lines.append((item.item_no, item.material, granted))
        if lines:
            number = self.numbered["deliveries"]
            self.numbered["deliveries"] += 1
            delivery = Delivery(
                str(80_000_000 + number),
                number,
                order.sales_document,
                order.customer_reference,
                order.plant,
                lines,
            )
            self.deliveries[delivery.delivery] = delivery
            order.deliveries.append(delivery.delivery)
            quantity = sum(q for _, _, q in lines)
            self.record(
                "inventory_allocated",
                order=order.customer_reference,
                subject=delivery.number,
                status=order.plant,
                value=float(quantity),
            )
            self._changed(
                order,
                "InventoryAllocated",
                {
                    "delivery": delivery.delivery,
                    "plant": order.plant,
                    "items": [list(line) for line in lines],
                },
            )
        open_quantity = sum(item.open_quantity for item in order.items)
        if open_quantity and (first_attempt or not order.backorder_reported):
            order.backorder_reported = True
            self.record(
                "backorder_created",
                order=order.customer_reference,
                status=order.plant,
                value=float(open_quantity),
            )
            self._changed(order, "BackorderCreated", {"open_quantity": open_quantity})
