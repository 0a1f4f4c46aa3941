"""The mock carrier: shipment tender, pickup and tracking scans, and their delivery feed.

A tendered shipment is picked up at the site's next pickup window, departs the hub hours
later, is out for delivery on its delivery day's morning and delivered during that day.
Each milestone is a scan with the carrier's own event id and ``occurred_at``. Scans reach
the shipper through ``feed``: either a webhook (seconds) or an aggregator that polls the
carrier every few hours and forwards everything new in one batch.

A delivery attempt can fail: instead of ``delivered`` the shipment gets an ``exception``
scan with a reason (``EXCEPTION_REASONS``) and goes out again in the next day's delivery
window, up to ``max_delivery_attempts``; after the last failed attempt it is sent back,
a final ``exception`` scan with the reason ``returned_to_sender``. Whether an attempt fails
is asked of the carrier's operational seam, :meth:`Carrier.set_delivery_failures` (a
:class:`DeliveryFailures`); with none set every attempt succeeds.

A shipment's times belong to the shipment, not to the carrier's sequence of work: every
draw (pickup and delivery window positions, hub departure, transit days, time to deliver,
webhook delay) comes from a keyed stream per operation at (order, n), where ``n`` packs
which of the order's shipments it is and the delivery attempt, or the scan. So the same
shipment moves the same way under every pattern, whatever order the tenders arrive in.
Each scan carries that identity too (``shipment``, ``sequence``), for whatever decides
per scan downstream.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from mock_systems.base import MockSystem
from sim.engine import (
    CallResult,
    Distribution,
    EndpointSpec,
    KeyedSampler,
    LogNormal,
    Mailbox,
    RunEnvironment,
    Triangular,
    Uniform,
)
from sim.engine.calendar import DAY, HOUR, WeeklyWindow, WorkCalendar

__all__ = [
    "CarrierConfig",
    "Booking",
    "CarrierScan",
    "Carrier",
    "DeliveryFailures",
    "EXCEPTION",
    "EXCEPTION_REASONS",
    "MILESTONES",
    "OUT_FOR_DELIVERY",
    "RETURNED_TO_SENDER",
    "shipment_key",
]

MILESTONES = ("picked_up", "in_transit", "out_for_delivery", "delivered")
"""The scans of a shipment delivered at its first attempt, in order."""

OUT_FOR_DELIVERY = "out_for_delivery"
"""The scan that starts a delivery attempt."""

EXCEPTION = "exception"
"""The scan of a failed delivery attempt (or of the shipment's return); it has a reason."""

EXCEPTION_REASONS = ("recipient_absent", "address_problem", "damaged")
"""Why a delivery attempt fails."""

RETURNED_TO_SENDER = "returned_to_sender"
"""The reason of the last exception scan of a shipment the carrier gave up delivering."""

_NO_REASONS = ("", "", "", "")
"""The reasons of a plan of ``MILESTONES`` (none)."""

_ATTEMPT_BITS = 4
"""Bits of the attempt in a shipment's draw number (``max_delivery_attempts`` <= 10 < 16)."""
_SCAN_BITS = 5
"""Bits of the scan in a scan's draw number: a shipment has at most 4 + 2 * 9 + 1 = 23
scans (ten attempts, each failed one adds two, the return one)."""


def _attempt_draw(nth: int, attempt: int) -> int:
    """The keyed draw number of attempt ``attempt`` of the ``nth`` shipment of an order.

    Attempt 0 stands for what happens before any delivery attempt (pickup, transit).
    """
    return nth << _ATTEMPT_BITS | attempt


def _scan_draw(nth: int, sequence: int) -> int:
    """The keyed draw number of scan ``sequence`` (1, 2, ...) of the ``nth`` shipment."""
    return nth << _SCAN_BITS | sequence


class DeliveryFailures(Protocol):
    """Decides which delivery attempts fail (the carrier's operational seam)."""

    def failure(self, shipment: str, attempt: int) -> str:
        """Why attempt ``attempt`` (1, 2, ...) at ``shipment`` fails; "" if it does not.

        ``shipment`` names the shipment by its business identity, not by anyone's running
        number: ``"<order>/<n>"``, the n-th shipment of the shipper's order the carrier
        was given (see :func:`shipment_key`).
        """
        ...


def shipment_key(order_ref: int, nth: int) -> str:
    """The name of the ``nth`` shipment (1, 2, ...) of order ``order_ref`` at the carrier.

    Tracking and delivery numbers are handed out in the order shipments arrive, which
    depends on the integration; the order and its shipments' sequence do not.
    """
    return f"{order_ref}/{nth}"


class CarrierConfig(BaseModel):
    """Settings of the mock carrier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tender: EndpointSpec = EndpointSpec(service_time=LogNormal(mean=0.7, cv=0.5), concurrency=10)
    track: EndpointSpec = EndpointSpec(service_time=LogNormal(mean=0.5, cv=0.5), concurrency=10)
    pickup_windows: tuple[WeeklyWindow, ...] = (
        WeeklyWindow(start_hour=16, end_hour=18, weekdays=(0, 1, 2, 3, 4)),
    )
    hub_departure: Distribution = LogNormal(mean=5 * HOUR, cv=0.5)
    transit_days: Distribution = Triangular(low=1.0, mode=2.0, high=4.0)
    delivery_windows: tuple[WeeklyWindow, ...] = (
        WeeklyWindow(start_hour=7, end_hour=9, weekdays=(0, 1, 2, 3, 4, 5)),
    )
    out_for_delivery_to_delivered: Distribution = LogNormal(mean=4 * HOUR, cv=0.5)
    max_delivery_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="attempts before a shipment is returned (assumption: UPS's three)",
    )
    feed: Literal["webhook", "aggregator"] = "aggregator"
    webhook_latency: Distribution = LogNormal(mean=5.0, cv=1.0)
    aggregator_poll_interval: Distribution = Uniform(low=3 * HOUR, high=12 * HOUR)


@dataclass(frozen=True, slots=True)
class Booking:
    """A tender: the shipper's reference (delivery) and what is handed over."""

    shipper_reference: str
    reference_number: int
    order_ref: int
    site: str
    region: str
    packages: int


@dataclass(frozen=True, slots=True)
class CarrierScan:
    """A tracking event in the carrier's dialect."""

    event_id: str
    tracking_number: str
    shipper_reference: str
    reference_number: int
    order_ref: int
    code: str
    occurred_at: float
    reason: str = ""
    """Why, for an ``exception`` scan."""
    shipment: str = ""
    """The shipment's business identity, :func:`shipment_key` (order and which of its
    shipments), which unlike the tracking number and event id does not depend on the order
    in which shipments reached the carrier."""
    sequence: int = 0
    """The scan's place among its shipment's scans (1, 2, ...)."""


_Plan = tuple[range | tuple[int, ...], tuple[str, ...], tuple[float, ...], tuple[str, ...]]
"""A shipment's scans: event numbers, codes, times and reasons."""


class Carrier(MockSystem):
    """Moves tendered shipments and reports scans through a webhook or an aggregator."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("tender", "track")

    def __init__(
        self,
        run: RunEnvironment,
        config: CarrierConfig,
        calendar: WorkCalendar,
        feed: Mailbox[CarrierScan] | None = None,
    ) -> None:
        super().__init__(run, "carrier")
        self.config = config
        self.calendar = calendar
        self.feed: Mailbox[CarrierScan] = feed if feed is not None else Mailbox(run.sim)
        """Where scans reach the shipper (a fault seam can be passed in)."""
        self.bookings: dict[str, Booking] = {}
        self.tracking: dict[str, str] = {}
        self._tender = self.endpoint("tender", config.tender)
        self._track = self.endpoint("track", config.track)
        self._plans: dict[str, _Plan] = {}
        """Per tracking number: its scans' numbers, codes, times and reasons (the carrier's
        record, from which a tracking query answers with the scans so far). A failed
        delivery attempt replaces the plan's tail when the attempt goes out."""
        self.delivery_failures: DeliveryFailures | None = None
        """Which delivery attempts fail (None: all succeed); see :meth:`set_delivery_failures`."""
        seed = run.streams.seed
        position = Uniform(low=0.0, high=1.0)

        def keyed(dist: Distribution, operation: str) -> KeyedSampler:
            return dist.keyed_sampler(seed, f"carrier.{operation}")

        # per shipment, at (order, _attempt_draw(nth, 0))
        self._pickup_position = keyed(position, "pickup")
        self._departure = keyed(config.hub_departure, "departure")
        self._transit_days = keyed(config.transit_days, "transit")
        # per delivery attempt, at (order, _attempt_draw(nth, attempt))
        self._delivery_position = keyed(position, "out_for_delivery")
        self._to_delivered = keyed(config.out_for_delivery_to_delivered, "delivered")
        # per scan, at (order, _scan_draw(nth, sequence))
        self._webhook = keyed(config.webhook_latency, "webhook")
        # the aggregator's polls are the carrier's own timeline, the same under every pattern
        self._poll = config.aggregator_poll_interval.sampler(
            run.streams.stream("carrier.aggregator")
        )
        self._unpolled: list[CarrierScan] = []
        self._shipments_of: dict[int, int] = {}
        """Shipments tendered so far, per order (to name each by its business identity)."""
        self._nth: dict[str, int] = {}
        """Per tracking number: which of its order's shipments it is."""
        self._scans = 0
        if config.feed == "aggregator":
            run.sim.process(self._aggregator())

    def tender(
        self, booking: Booking, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | str]:
        """Book a pickup; returns the tracking number (the same one for a repeated tender)."""
        answer: CallResult | str = yield from self._tender.call(
            booking.order_ref, partial(self._book, booking), timeout
        )
        return answer

    def _book(self, booking: Booking) -> str:
        existing = self.tracking.get(booking.shipper_reference)
        if existing is not None:
            self.record(
                "duplicate_suppressed", order=booking.order_ref, subject=booking.reference_number
            )
            return existing
        tracking = f"1Z{booking.reference_number:010d}"
        self.bookings[tracking] = booking
        self.tracking[booking.shipper_reference] = tracking
        self.record(
            "tendered",
            order=booking.order_ref,
            subject=booking.reference_number,
            status=booking.site,
        )
        nth = self._shipments_of.get(booking.order_ref, 0) + 1
        self._shipments_of[booking.order_ref] = nth
        self._nth[tracking] = nth
        self.sim.process(self._move(tracking, booking, nth))
        return tracking

    def track(
        self, tracking_number: str, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | tuple[CarrierScan, ...]]:
        """Every scan of a shipment so far (a tracking API query)."""
        booking = self.bookings.get(tracking_number)
        order = booking.order_ref if booking is not None else -1
        answer: CallResult | tuple[CarrierScan, ...] = yield from self._track.call(
            order, partial(self._scans_so_far, tracking_number), timeout
        )
        return answer

    def set_delivery_failures(self, failures: DeliveryFailures | None) -> None:
        """Operational seam: from now on, ask ``failures`` whether each attempt fails.

        ``None`` (the default) lets every delivery attempt succeed at no cost. An attempt
        is judged when it goes out for delivery.
        """
        self.delivery_failures = failures

    def _scans_so_far(self, tracking: str) -> tuple[CarrierScan, ...]:
        plan = self._plans.get(tracking)
        if plan is None:
            return ()
        now = self.sim.now
        booking = self.bookings[tracking]
        shipment = shipment_key(booking.order_ref, self._nth[tracking])
        return tuple(
            self._scan(number, tracking, booking, code, at, reason, shipment, sequence)
            for sequence, (number, code, at, reason) in enumerate(zip(*plan, strict=True), 1)
            if at <= now
        )

    @staticmethod
    def _scan(
        number: int,
        tracking: str,
        booking: Booking,
        code: str,
        at: float,
        reason: str,
        shipment: str,
        sequence: int,
    ) -> CarrierScan:
        return CarrierScan(
            f"EV{number:09d}",
            tracking,
            booking.shipper_reference,
            booking.reference_number,
            booking.order_ref,
            code,
            at,
            reason,
            shipment,
            sequence,
        )

    def _in_window(self, t: float, windows: tuple[WeeklyWindow, ...], position: float) -> float:
        """An instant in the first window opening at or after ``t``.

        It lies ``position`` (a fraction) of the way into the window.
        """
        opening = self.calendar.next_open(t, windows)
        closing = self.calendar.window_end(opening, windows)
        return opening + position * (closing - opening)

    def _move(self, tracking: str, booking: Booking, nth: int) -> Generator[Any, Any, None]:
        """Walk a shipment through its scans; ``nth``: which shipment of its order it is."""
        now = self.sim.now
        order = booking.order_ref
        shipment = shipment_key(order, nth)
        n = _attempt_draw(nth, 0)
        picked_up = self._in_window(
            now, self.config.pickup_windows, self._pickup_position(order, n)
        )
        departed = picked_up + self._departure(order, n)
        due = picked_up + max(1, round(self._transit_days(order, n))) * DAY  # whole days
        day_start = due - self.calendar.hour_of_day(due) * HOUR
        n = _attempt_draw(nth, 1)
        out_for_delivery = max(
            self._in_window(
                day_start, self.config.delivery_windows, self._delivery_position(order, n)
            ),
            departed + HOUR,
        )
        delivered = out_for_delivery + self._to_delivered(order, n)
        first = self._scans + 1  # a shipment's scans are numbered when they are planned
        self._scans += len(MILESTONES)
        plan: _Plan = (
            range(first, first + len(MILESTONES)),
            MILESTONES,
            (picked_up, departed, out_for_delivery, delivered),
            _NO_REASONS,
        )
        self._plans[tracking] = plan
        replanned = False
        index = 0
        while index < len(plan[1]):
            numbers, codes, times, reasons = plan
            code, at = codes[index], times[index]
            yield self.sim.timeout(at - self.sim.now)
            scan = self._scan(
                numbers[index], tracking, booking, code, at, reasons[index], shipment, index + 1
            )
            self.record(
                "scan",
                order=booking.order_ref,
                subject=booking.reference_number,
                status=code,
                value2=at,
            )
            if self.config.feed == "webhook":
                delay = self._webhook(order, _scan_draw(nth, index + 1))
                self.sim.process(self._push(scan, delay))
            else:
                self._unpolled.append(scan)
            if replanned or self.delivery_failures is not None:  # the fault-free path skips
                if code == EXCEPTION:
                    self.record(
                        "delivery_exception",
                        order=booking.order_ref,
                        subject=booking.reference_number,
                        status=reasons[index],
                        value=float(codes[:index].count(OUT_FOR_DELIVERY)),
                        value2=at,
                    )
                elif code == OUT_FOR_DELIVERY and self.delivery_failures is not None:
                    attempt = self._attempt(
                        tracking, order, nth, plan, index, self.delivery_failures
                    )
                    if attempt is not plan:
                        plan, replanned = attempt, True
            index += 1

    def _attempt(
        self,
        tracking: str,
        order: int,
        nth: int,
        plan: _Plan,
        index: int,
        failures: DeliveryFailures,
    ) -> _Plan:
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
        next_day = failed_at - self.calendar.hour_of_day(failed_at) * HOUR + DAY
        windows = self.config.delivery_windows
        tail_codes: tuple[str, ...]
        tail_times: tuple[float, ...]
        tail_reasons: tuple[str, ...]
        if attempt < self.config.max_delivery_attempts:
            n = _attempt_draw(nth, attempt + 1)
            out = self._in_window(next_day, windows, self._delivery_position(order, n))
            delivered = out + self._to_delivered(order, n)
            tail_codes = (EXCEPTION, OUT_FOR_DELIVERY, MILESTONES[-1])
            tail_times = (failed_at, out, delivered)
            tail_reasons = (reason, "", "")
        else:
            tail_codes = (EXCEPTION, EXCEPTION)
            tail_times = (failed_at, self.calendar.next_open(next_day, windows))
            tail_reasons = (reason, RETURNED_TO_SENDER)
        first = self._scans + 1
        added = len(tail_codes) - 1
        self._scans += added
        keep = index + 1
        new_plan: _Plan = (
            (*numbers[: keep + 1], *range(first, first + added)),
            codes[:keep] + tail_codes,
            times[:keep] + tail_times,
            reasons[:keep] + tail_reasons,
        )
        self._plans[tracking] = new_plan
        return new_plan

    def _push(self, scan: CarrierScan, delay: float) -> Generator[Any, Any, None]:
        yield self.sim.timeout(delay)
        self.feed.put(scan)

    def _aggregator(self) -> Generator[Any, Any, None]:
        while True:
            yield self.sim.timeout(self._poll())
            batch, self._unpolled = self._unpolled, []
            for scan in batch:
                self.feed.put(scan)
            if batch:
                self.record("feed_polled", value=float(len(batch)))
