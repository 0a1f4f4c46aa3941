"""Delivery scheduling of the mock ERP: the delivery date it confirms for a new order.

When a sales order is created, the ERP's availability check confirms a delivery date, as
SAP's schedule-line confirmation does: the material is available today if the plant's ATP
covers every line, else after the planning replenishment time; the order then ships after
the pick-and-pack time and arrives after the planned transit time, both counted in business
days (Monday to Friday) of the factory calendar. The confirmed date is the order's promise
to the customer. It is written as ``erp.delivery_confirmed``: ``value`` is the end of the
promised day in simulated seconds, ``status`` says whether the stock was ``available`` or
the date waits for ``replenishment``. The on-time and promise-accuracy KPIs
(:mod:`sim.promise`) compare the deliveries with it.
"""

from __future__ import annotations

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import SalesOrder
from sim.engine.calendar import DAY, HOUR, WorkCalendar

__all__ = ["DeliveryScheduling"]


class DeliveryScheduling(ErpState):
    """Mixin of the ERP's delivery date confirmation (the ERP provides the state used here)."""

    factory_calendar: WorkCalendar | None = None
    """The calendar whose weekdays are business days; without one, every day is."""

    def use_factory_calendar(self, calendar: WorkCalendar) -> None:
        """Count business days on ``calendar`` (Monday to Friday are working days)."""
        self.factory_calendar = calendar

    def _confirm_delivery(self, order: SalesOrder) -> None:
        """Confirm the order's delivery date from ATP and the planning times, and record it."""
        policy = self.config.scheduling
        if not policy.enabled:
            return
        now = self.sim.now
        available = all(
            self.inventory.record_for(order.plant, item.material).atp >= item.quantity
            for item in order.items
        )
        days = policy.pick_pack_days + policy.transit_days
        if not available:
            days += policy.replenishment_days
        promised = self._end_of_business_day(now, days)
        self.record(
            "delivery_confirmed",
            order=order.customer_reference,
            status="available" if available else "replenishment",
            value=promised,
        )

    def _end_of_business_day(self, t: float, business_days: int) -> float:
        """The end of the day ``business_days`` business days after the day of ``t``."""
        calendar = self.factory_calendar
        if calendar is None:
            return (t // DAY + business_days + 1) * DAY
        day_start = t - calendar.hour_of_day(t) * HOUR
        left = business_days
        while left > 0 or calendar.weekday(day_start) >= 5:
            day_start += DAY
            if calendar.weekday(day_start) < 5:
                left -= 1
        return day_start + DAY
