"""Stock per plant with ATP, allocation bookkeeping and periodic replenishment.

A purchase order's lead time belongs to it: the k-th purchase order of a material at a
plant waits draw k of the material's number in the keyed stream
``erp.replenishment.<plant>``, so it does not move when other materials, whose demand
depends on the pattern, were reordered more or less often before it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from mock_systems.erp.config import ReplenishmentPolicy
from mock_systems.erp.factory_calendar import working_time_after
from mock_systems.erp.records import StockRecord
from sim.engine import NONE, KeyedSampler, RunEnvironment
from sim.engine.calendar import WorkCalendar

__all__ = ["Inventory"]

_Recorder = Callable[..., None]


class Inventory:
    """The ERP's stock table: ``(plant, material) -> StockRecord``.

    Stock is conserved: on hand only changes by goods receipt (+), returns to stock (+) and
    goods issue (-), and allocation never exceeds on hand.
    """

    def __init__(
        self,
        run: RunEnvironment,
        policy: ReplenishmentPolicy,
        record: _Recorder,
        material_number: Callable[[str], int],
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.run = run
        self.calendar = calendar
        """The plant's calendar (None: every day a working day)."""
        self.policy = policy
        self._record = record
        self._material_number = material_number
        self._lead_times: dict[str, KeyedSampler] = {}
        """Keyed lead-time draws per plant."""
        self._purchase_orders: dict[tuple[str, str], int] = {}
        """Purchase orders placed so far per (plant, material): ``k`` of the keyed draws."""
        self.stock: dict[tuple[str, str], StockRecord] = {}
        self.on_receipt: Callable[[], None] = lambda: None
        self.physical_moves: list[Callable[[str, str, int], None]] = []
        """Told (plant, material, +units) of each goods receipt and (..., -units) of each
        opening order's goods issue: stock that moves in or out of the warehouse's bins
        without a pick task (the WMS keeps its bin stock by them)."""
        self._changed: dict[str, set[str]] = {}

    def _touch(self, plant: str, material: str) -> None:
        """Set a change pointer: the material's ATP at the plant may have moved."""
        changed = self._changed.get(plant)
        if changed is None:
            changed = self._changed[plant] = set()
        changed.add(material)

    def take_changes(self, plant: str) -> dict[str, int]:
        """ATP of every material whose stock moved at ``plant`` since the last call."""
        changed = self._changed.pop(plant, set())
        return {material: self.stock[(plant, material)].atp for material in sorted(changed)}

    def put(self, plant: str, material: str, record: StockRecord) -> None:
        """Set the opening stock of a material at a plant (recorded as an opening receipt)."""
        self.stock[(plant, material)] = record
        self._touch(plant, material)
        self._record(
            "stock_opening",
            subject=self._material_number(material),
            status=plant,
            value=float(record.on_hand),
        )

    def record_for(self, plant: str, material: str) -> StockRecord:
        """The stock record, created empty if the plant never stocked the material."""
        key = (plant, material)
        rec = self.stock.get(key)
        if rec is None:
            rec = StockRecord(on_hand=0)
            self.stock[key] = rec
            self._touch(plant, material)
        return rec

    def allocate(self, plant: str, material: str, wanted: int) -> int:
        """Reserve up to ``wanted`` units from ATP; returns the quantity reserved."""
        rec = self.record_for(plant, material)
        granted = max(0, min(wanted, rec.atp))
        rec.allocated += granted
        rec.backlog -= granted
        if granted:
            self._touch(plant, material)
        return granted

    def release(self, plant: str, material: str, quantity: int) -> None:
        """Give back an allocation that will not ship (a cancelled delivery)."""
        rec = self.stock[(plant, material)]
        if quantity > rec.allocated:
            raise ValueError(f"release of {quantity} {material} exceeds allocation at {plant}")
        rec.allocated -= quantity
        self._touch(plant, material)

    def remove_backlog(self, plant: str, material: str, quantity: int) -> None:
        """Open demand that will no longer wait for allocation (a cancelled order)."""
        self.record_for(plant, material).backlog -= quantity

    def add_backlog(self, plant: str, material: str, quantity: int) -> None:
        """Open demand that waits for allocation (counts against the stock position)."""
        self.record_for(plant, material).backlog += quantity

    def issue(self, plant: str, material: str, quantity: int, order: int) -> None:
        """Goods issue of allocated stock."""
        rec = self.stock[(plant, material)]
        if quantity > rec.allocated or quantity > rec.on_hand:
            raise ValueError(f"goods issue of {quantity} {material} exceeds allocation at {plant}")
        rec.allocated -= quantity
        rec.on_hand -= quantity
        self._touch(plant, material)
        self._record(
            "goods_issue",
            order=order,
            subject=self._material_number(material),
            status=plant,
            value=float(quantity),
        )

    def return_to_stock(self, plant: str, material: str, quantity: int, order: int) -> None:
        """Sellable returned goods back into unrestricted stock (a ``stock_returned`` row)."""
        rec = self.record_for(plant, material)
        rec.on_hand += quantity
        self._touch(plant, material)
        self._record(
            "stock_returned",
            order=order,
            subject=self._material_number(material),
            status=plant,
            value=float(quantity),
        )

    def post_difference(self, plant: str, material: str, difference: int) -> None:
        """An inventory difference from a physical count: book stock follows the count.

        ``inventory_difference`` row: status = plant, subject = material number, value =
        the units found (+) or missing (-).
        """
        rec = self.record_for(plant, material)
        rec.on_hand += difference
        self._touch(plant, material)
        self._record(
            "inventory_difference",
            subject=self._material_number(material),
            status=plant,
            value=float(difference),
        )

    def count(self) -> None:
        """A physical count: one ``stock_count`` row per plant and material.

        ``value`` is on hand and ``value2`` allocated, so stock conservation can be checked
        from the history alone.
        """
        for (plant, material), rec in sorted(self.stock.items()):
            self._record(
                "stock_count",
                subject=self._material_number(material),
                status=plant,
                value=float(rec.on_hand),
                value2=float(rec.allocated),
            )

    def replenishment(self) -> Generator[Any, Any, None]:
        """Periodic review: order up to target where the position fell below reorder point."""
        sim = self.run.sim
        while True:
            yield sim.timeout(self.policy.review_interval_s)
            if self.calendar is not None and (
                self.calendar.weekday(sim.now) not in self.policy.working_days
            ):
                continue
            for (plant, material), rec in sorted(self.stock.items()):
                position = rec.on_hand - rec.allocated + rec.on_order - rec.backlog
                if rec.order_up_to > 0 and position < rec.reorder_point:
                    quantity = rec.order_up_to - position
                    rec.on_order += quantity
                    self._record(
                        "purchase_order",
                        subject=self._material_number(material),
                        status=plant,
                        value=float(quantity),
                    )
                    arrival = working_time_after(
                        self.calendar,
                        self.policy.working_days,
                        sim.now,
                        self._lead_time(plant, material),
                    )
                    sim.process(self._receive(plant, material, quantity, arrival - sim.now))

    def put_in_transit(self, plant: str, material: str, quantity: int, arrives_in: float) -> None:
        """A purchase order open at time zero (warm start): received after ``arrives_in`` s.

        Recorded as ``purchase_order_open``; its receipt is an ordinary ``goods_receipt``.
        It takes no lead-time draw, so later purchase orders keep their keyed draws.
        """
        rec = self.record_for(plant, material)
        rec.on_order += quantity
        self._record(
            "purchase_order_open",
            subject=self._material_number(material),
            status=plant,
            value=float(quantity),
            value2=arrives_in,
        )
        self.run.sim.process(self._receive(plant, material, quantity, arrives_in))

    def allocate_opening(self, plant: str, material: str, quantity: int, ships_in: float) -> None:
        """Stock allocated at time zero to orders accepted before it (warm start).

        Recorded as ``opening_allocation`` (value = units, value2 = when they ship); the
        units leave with a ``goods_issue`` row of no order (-1) after ``ships_in`` seconds.
        """
        rec = self.record_for(plant, material)
        rec.allocated += quantity
        self._touch(plant, material)
        self._record(
            "opening_allocation",
            subject=self._material_number(material),
            status=plant,
            value=float(quantity),
            value2=ships_in,
        )
        self.run.sim.process(self._ship_opening(plant, material, quantity, ships_in))

    def _ship_opening(
        self, plant: str, material: str, quantity: int, after: float
    ) -> Generator[Any, Any, None]:
        yield self.run.sim.timeout(after)
        self.issue(plant, material, quantity, NONE)
        for listener in self.physical_moves:
            listener(plant, material, -quantity)

    def _lead_time(self, plant: str, material: str) -> float:
        """The lead time of the next purchase order of ``material`` at ``plant``."""
        lead_time = self._lead_times.get(plant)
        if lead_time is None:
            lead_time = self._lead_times[plant] = self.policy.lead_time.keyed_sampler(
                self.run.streams.seed, f"erp.replenishment.{plant}"
            )
        key = (plant, material)
        k = self._purchase_orders[key] = self._purchase_orders.get(key, 0) + 1
        return lead_time(self._material_number(material), k)

    def _receive(
        self, plant: str, material: str, quantity: int, after: float
    ) -> Generator[Any, Any, None]:
        yield self.run.sim.timeout(after)
        rec = self.stock[(plant, material)]
        rec.on_order -= quantity
        rec.on_hand += quantity
        self._touch(plant, material)
        self._record(
            "goods_receipt",
            subject=self._material_number(material),
            status=plant,
            value=float(quantity),
        )
        self.on_receipt()
        for listener in self.physical_moves:
            listener(plant, material, quantity)
