"""Delivery attempts of the mock carrier: which fail, and what a failed one adds.

A delivery attempt can fail: instead of ``delivered`` the shipment gets an ``exception``
scan with a reason (``EXCEPTION_REASONS``) and goes out again in the next day's delivery
window, up to ``max_delivery_attempts``; after the last failed attempt it is sent back,
a final ``exception`` scan with the reason ``returned_to_sender``. Whether an attempt fails
is asked of the carrier's operational seam, :meth:`DeliveryAttempts.set_delivery_failures`
(a :class:`DeliveryFailures`); with none set every attempt succeeds.
"""

from __future__ import annotations

from typing import Protocol

from mock_systems.carrier.draws import attempt_draw
from mock_systems.carrier.parts import CarrierState, Plan
from mock_systems.carrier.records import (
    EXCEPTION,
    MILESTONES,
    OUT_FOR_DELIVERY,
    RETURNED_TO_SENDER,
    shipment_key,
)
from sim.engine.calendar import DAY

__all__ = ["DeliveryAttempts", "DeliveryFailures"]


class DeliveryFailures(Protocol):
    """Decides which delivery attempts fail (the carrier's operational seam)."""

    def failure(self, shipment: str, attempt: int) -> str:
        """Why attempt ``attempt`` (1, 2, ...) at ``shipment`` fails; "" if it does not.

        ``shipment`` names the shipment by its business identity, not by anyone's running
        number: ``"<order>/<n>"``, the n-th shipment of the shipper's order the carrier
        was given (see :func:`~mock_systems.carrier.records.shipment_key`).
        """
        ...


class DeliveryAttempts(CarrierState):
    """Mixin of the carrier's delivery attempts (the carrier provides the state used here)."""

    delivery_failures: DeliveryFailures | None

    def set_delivery_failures(self, failures: DeliveryFailures | None) -> None:
        """Operational seam: from now on, ask ``failures`` whether each attempt fails.

        ``None`` (the default) lets every delivery attempt succeed at no cost. An attempt
        is judged when it goes out for delivery.
        """
        self.delivery_failures = failures

    def _attempt(
        self,
        tracking: str,
        order: int,
        nth: int,
        plan: Plan,
        index: int,
        failures: DeliveryFailures,
    ) -> Plan:
        """The plan after the delivery attempt going out now (scan ``index``).

        A failed attempt ends with an ``exception`` scan when it would have been delivered
        (it takes that scan's number); the shipment goes out again in the next day's
        delivery window, or, after the last attempt, is returned: a final ``exception``
        (``returned_to_sender``) when that window opens. Timings of a re-attempt are keyed
        draws at the shipment (``order``, ``nth``) and attempt, so a failure never shifts
        another shipment's draws.
        """
        numbers, codes, times, reasons = plan
        attempt = codes[: index + 1].count(OUT_FOR_DELIVERY)
        reason = failures.failure(shipment_key(order, nth), attempt)
        if not reason:
            return plan
        failed_at = times[index + 1]
        region = self.calendar.at(self.bookings[tracking].region)
        next_day = region.day_start(failed_at + DAY)
        windows = self._delivery_windows
        tail_codes: tuple[str, ...]
        tail_times: tuple[float, ...]
        tail_reasons: tuple[str, ...]
        if attempt < self.config.max_delivery_attempts:
            n = attempt_draw(nth, attempt + 1)
            out = self._in_window(
                region, next_day, windows, self._draws.delivery_position(order, n)
            )
            delivered = self._delivered_at(region, out, self._draws.to_delivered(order, n))
            tail_codes = (EXCEPTION, OUT_FOR_DELIVERY, MILESTONES[-1])
            tail_times = (failed_at, out, delivered)
            tail_reasons = (reason, "", "")
        else:
            tail_codes = (EXCEPTION, EXCEPTION)
            tail_times = (failed_at, region.next_open(next_day, windows))
            tail_reasons = (reason, RETURNED_TO_SENDER)
        first = self._scans + 1
        added = len(tail_codes) - 1
        self._scans += added
        keep = index + 1
        new_plan: Plan = (
            (*numbers[: keep + 1], *range(first, first + added)),
            codes[:keep] + tail_codes,
            times[:keep] + tail_times,
            reasons[:keep] + tail_reasons,
        )
        self._plans[tracking] = new_plan
        return new_plan
