"""The mock carrier: takes tenders and walks each shipment through its scans.

A tendered shipment is picked up at the site's next pickup window (the next day's when it
was tendered after the pickup cut-off), departs the hub hours later, is out for delivery on
its delivery day's morning and delivered during that day. With the end-of-day manifest on,
the carrier publishes its scans only once the shipment's manifest is transmitted.
The delivery day is the drawn number of service days (Monday to Friday, plus Saturday
with Saturday delivery; never a Sunday or a holiday of the customer's region) after the
pickup day, as carriers quote ground transit; windows keep the local time of the site
(pickups) and of the customer's region (deliveries).
Each milestone is a scan with the carrier's own event id and ``occurred_at``; each scan
carries the shipment's business identity too (``shipment``, ``sequence``), for whatever
decides per scan downstream.

:class:`Carrier` holds the state, takes tenders and walks shipments; the other concepts
are mixins over the same state, one module each: ``attempts`` (failed delivery attempts
and returns) and ``feed`` (the webhook or aggregator feed, and the tracking API).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from functools import partial
from typing import Any, ClassVar

from mock_systems.base import MockSystem
from mock_systems.carrier.attempts import DeliveryAttempts, DeliveryFailures
from mock_systems.carrier.config import CarrierConfig
from mock_systems.carrier.draws import CarrierDraws, attempt_draw
from mock_systems.carrier.feed import ScanFeed
from mock_systems.carrier.parts import Plan
from mock_systems.carrier.records import (
    EXCEPTION,
    MILESTONES,
    OUT_FOR_DELIVERY,
    Booking,
    CarrierScan,
    shipment_key,
)
from sim.engine import CallResult, Mailbox, RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar

__all__ = ["Carrier"]

_DELIVERED = MILESTONES[-1]
"""The scan of a shipment handed to its consignee."""

_NO_REASONS = ("", "", "", "")
"""The reasons of a plan of ``MILESTONES`` (none)."""


# Each part derives from CarrierState, which declares the shared state; as the common base
# it comes last in the MRO, before MockSystem.
class Carrier(ScanFeed, DeliveryAttempts, MockSystem):
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
        """The run's calendar; pickups keep the site's (``calendar.at(site)``), deliveries
        the customer region's."""
        self._delivery_windows = config.delivery_days()
        self._service_days = frozenset(d for w in self._delivery_windows for d in w.weekdays)
        self.feed: Mailbox[CarrierScan] = feed if feed is not None else Mailbox(run.sim)
        """Where scans reach the shipper (a fault seam can be passed in)."""
        self.bookings: dict[str, Booking] = {}
        self.tracking: dict[str, str] = {}
        self._tender = self.endpoint("tender", config.tender)
        self._track = self.endpoint("track", config.track)
        self._plans: dict[str, Plan] = {}
        """Per tracking number: its scans' numbers, codes, times and reasons (the carrier's
        record, from which a tracking query answers with the scans so far). A failed
        delivery attempt replaces the plan's tail when the attempt goes out."""
        self.delivery_failures: DeliveryFailures | None = None
        """Which delivery attempts fail (None: all succeed); see :meth:`set_delivery_failures`."""
        self._draws = CarrierDraws(run, config)
        self._unpolled: list[CarrierScan] = []
        self._shipments_of: dict[int, int] = {}
        """Shipments tendered so far, per order (to name each by its business identity)."""
        self._nth: dict[str, int] = {}
        """Per tracking number: which of its order's shipments it is."""
        self._scans = 0
        self.on_delivered: Callable[[int, int], None] | None = None
        """Told (order, which of its shipments) when a shipment is delivered: the customer
        has the goods (returns demand watches this)."""
        self._open_manifests: dict[str, list[str]] = {}
        self._unmanifested: set[str] = set()
        self._held: dict[str, list[tuple[CarrierScan, int]]] = {}
        if config.feed == "aggregator":
            run.sim.process(self._aggregator())
        self._closing_sites: set[str] = set()
        """Sites whose close-out loop runs (started with the site's first manifest)."""

    def tender(
        self, booking: Booking, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | str]:
        """Book a pickup; returns the tracking number (the same one for a repeated tender)."""
        return self._tender.call(booking.order_ref, partial(self._book, booking), timeout)

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
        if self.config.manifest.enabled:
            self._enter_manifest(tracking, booking.site)
        self.sim.process(self._move(tracking, booking, nth))
        return tracking

    def forget_order(self, order_ref: int, tracking_numbers: tuple[str, ...]) -> None:
        """Forget a settled order's bookings and scan plans (the ERP archived it)."""
        for tracking in tracking_numbers:
            booking = self.bookings.pop(tracking, None)
            if booking is not None:
                self.tracking.pop(booking.shipper_reference, None)
            self._plans.pop(tracking, None)
            self._nth.pop(tracking, None)
        self._shipments_of.pop(order_ref, None)

    def _pickup_from(self, site: WorkCalendar, t: float) -> float:
        """The earliest instant a shipment tendered at ``t`` can be picked up at ``site``.

        After the pickup cut-off (the site's local time) it misses the day's truck: from the
        next local day on.
        """
        cutoff = self.config.pickup_cutoff
        hour = site.hour_of_day(t)
        if cutoff.enabled and hour >= cutoff.hour:
            return t + (24.0 - hour) * HOUR
        return t

    def _move(self, tracking: str, booking: Booking, nth: int) -> Generator[Any, Any, None]:
        """Walk a shipment through its scans; ``nth``: which shipment of its order it is."""
        now = self.sim.now
        order = booking.order_ref
        shipment = shipment_key(order, nth)
        draws = self._draws
        n = attempt_draw(nth, 0)
        site, region = self.calendar.at(booking.site), self.calendar.at(booking.region)
        picked_up = self._in_window(
            site,
            self._pickup_from(site, now),
            self.config.pickup_windows,
            draws.pickup_position(order, n),
        )
        departed = picked_up + draws.departure(order, n)
        transit = max(1, round(draws.transit_days(order, n)))  # whole days
        if self.config.transit_in_business_days:  # service days after the pickup day
            day_start = region.nth_day_after(picked_up, transit, self._service_days)
        else:  # calendar days, then the next delivery window
            day_start = region.day_start(picked_up + transit * DAY)
        n = attempt_draw(nth, 1)
        # a shipment goes out at the earliest an hour after it left the hub: one that
        # misses its day's window goes out in the next one (never off a service day)
        out_for_delivery = self._in_window(
            region,
            max(day_start, departed + HOUR),
            self._delivery_windows,
            draws.delivery_position(order, n),
        )
        delivered = self._delivered_at(region, out_for_delivery, draws.to_delivered(order, n))
        first = self._scans + 1  # a shipment's scans are numbered when they are planned
        self._scans += len(MILESTONES)
        plan: Plan = (
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
            self._release_scan(tracking, scan, nth)
            if code == _DELIVERED and self.on_delivered is not None:
                self.on_delivered(order, nth)
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
