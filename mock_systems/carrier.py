"""The mock carrier: shipment tender, pickup and tracking scans, and their delivery feed.

A tendered shipment is picked up at the site's next pickup window, departs the hub hours
later, is out for delivery on its delivery day's morning and delivered during that day.
Each milestone is a scan with the carrier's own event id and ``occurred_at``. Scans reach
the shipper through ``feed``: either a webhook (seconds) or an aggregator that polls the
carrier every few hours and forwards everything new in one batch.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from mock_systems.base import MockSystem
from sim.engine import (
    CallResult,
    Distribution,
    EndpointSpec,
    LogNormal,
    Mailbox,
    RunEnvironment,
    Triangular,
    Uniform,
)
from sim.engine.calendar import DAY, HOUR, WeeklyWindow, WorkCalendar

__all__ = ["CarrierConfig", "Booking", "CarrierScan", "Carrier", "MILESTONES"]

MILESTONES = ("picked_up", "in_transit", "out_for_delivery", "delivered")
"""The scans of every shipment, in order."""


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
        self._plans: dict[str, tuple[int, tuple[float, ...]]] = {}
        """Per tracking number: its first scan's number and its milestones' times (the
        carrier's record, from which a tracking query answers with the scans so far)."""
        rng = run.streams.stream("carrier.transit")
        self._departure = config.hub_departure.sampler(rng)
        self._transit_days = config.transit_days.sampler(rng)
        self._to_delivered = config.out_for_delivery_to_delivered.sampler(rng)
        self._uniform = Uniform(low=0.0, high=1.0).sampler(run.streams.stream("carrier.windows"))
        self._webhook = config.webhook_latency.sampler(run.streams.stream("carrier.webhook"))
        self._poll = config.aggregator_poll_interval.sampler(
            run.streams.stream("carrier.aggregator")
        )
        self._unpolled: list[CarrierScan] = []
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
        self.sim.process(self._move(tracking, booking))
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

    def _scans_so_far(self, tracking: str) -> tuple[CarrierScan, ...]:
        plan = self._plans.get(tracking)
        if plan is None:
            return ()
        first, times = plan
        now = self.sim.now
        booking = self.bookings[tracking]
        return tuple(
            self._scan(first + i, tracking, booking, code, at)
            for i, (code, at) in enumerate(zip(MILESTONES, times, strict=True))
            if at <= now
        )

    @staticmethod
    def _scan(number: int, tracking: str, booking: Booking, code: str, at: float) -> CarrierScan:
        return CarrierScan(
            f"EV{number:09d}",
            tracking,
            booking.shipper_reference,
            booking.reference_number,
            booking.order_ref,
            code,
            at,
        )

    def _in_window(self, t: float, windows: tuple[WeeklyWindow, ...]) -> float:
        """A uniformly drawn instant in the first window opening at or after ``t``."""
        opening = self.calendar.next_open(t, windows)
        closing = self.calendar.window_end(opening, windows)
        return opening + self._uniform() * (closing - opening)

    def _move(self, tracking: str, booking: Booking) -> Generator[Any, Any, None]:
        now = self.sim.now
        picked_up = self._in_window(now, self.config.pickup_windows)
        departed = picked_up + self._departure()
        due = picked_up + max(1, round(self._transit_days())) * DAY  # whole transit days
        day_start = due - self.calendar.hour_of_day(due) * HOUR
        out_for_delivery = max(
            self._in_window(day_start, self.config.delivery_windows), departed + HOUR
        )
        delivered = out_for_delivery + self._to_delivered()
        times = (picked_up, departed, out_for_delivery, delivered)
        first = self._scans + 1  # a shipment's scans are numbered when it is planned
        self._scans += len(times)
        self._plans[tracking] = (first, times)
        for offset, (code, at) in enumerate(zip(MILESTONES, times, strict=True)):
            yield self.sim.timeout(at - self.sim.now)
            scan = self._scan(first + offset, tracking, booking, code, at)
            self.record(
                "scan",
                order=booking.order_ref,
                subject=booking.reference_number,
                status=code,
                value2=at,
            )
            if self.config.feed == "webhook":
                self.sim.process(self._push(scan))
            else:
                self._unpolled.append(scan)

    def _push(self, scan: CarrierScan) -> Generator[Any, Any, None]:
        yield self.sim.timeout(self._webhook())
        self.feed.put(scan)

    def _aggregator(self) -> Generator[Any, Any, None]:
        while True:
            yield self.sim.timeout(self._poll())
            batch, self._unpolled = self._unpolled, []
            for scan in batch:
                self.feed.put(scan)
            if batch:
                self.record("feed_polled", value=float(len(batch)))
