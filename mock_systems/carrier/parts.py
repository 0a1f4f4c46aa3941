"""What the carrier's parts share: its state, a shipment's plan of scans, two helpers.

The delivery attempts (:mod:`~mock_systems.carrier.attempts`) and the scan feed with the
tracking API (:mod:`~mock_systems.carrier.feed`) are mixins of
:class:`~mock_systems.carrier.system.Carrier`. Both derive from :class:`CarrierState`,
which declares the state they share (``Carrier.__init__`` sets it) and the two steps they
have in common with the carrier's shipment walk: building a scan and placing an instant
in a weekly window.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from mock_systems.carrier.config import CarrierConfig
from mock_systems.carrier.draws import CarrierDraws
from mock_systems.carrier.records import Booking, CarrierScan
from sim.engine import Mailbox
from sim.engine.calendar import WeeklyWindow, WorkCalendar

__all__ = ["CarrierState", "Plan"]

Plan = tuple[range | tuple[int, ...], tuple[str, ...], tuple[float, ...], tuple[str, ...]]
"""A shipment's scans: event numbers, codes, times and reasons."""


class CarrierState:
    """The carrier state every part may read, and the steps the parts share."""

    sim: simpy.Environment
    config: CarrierConfig
    calendar: WorkCalendar
    _delivery_windows: tuple[WeeklyWindow, ...]
    """Delivery windows on every service day (see :meth:`CarrierConfig.delivery_days`)."""
    _service_days: frozenset[int]
    """Weekdays on which the carrier delivers."""
    feed: Mailbox[CarrierScan]
    bookings: dict[str, Booking]
    _draws: CarrierDraws
    _plans: dict[str, Plan]
    _nth: dict[str, int]
    _scans: int
    record: Callable[..., None]

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

    @staticmethod
    def _in_window(
        calendar: WorkCalendar, t: float, windows: tuple[WeeklyWindow, ...], position: float
    ) -> float:
        """An instant in the first window opening at or after ``t`` in ``calendar``.

        It lies ``position`` (a fraction) of the way into the window; windows are in the
        calendar's local time and open on no holiday it keeps.
        """
        opening = calendar.next_open(t, windows)
        closing = calendar.window_end(opening, windows)
        return opening + position * (closing - opening)

    def _delivered_at(self, calendar: WorkCalendar, out: float, drawn: float) -> float:
        """When an attempt that went out at ``out`` ends: ``drawn`` later, by the route's end."""
        return max(out, min(out + drawn, calendar.at_local_hour(out, self.config.route_end_hour)))
