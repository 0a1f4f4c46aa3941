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

    def _in_window(self, t: float, windows: tuple[WeeklyWindow, ...], position: float) -> float:
        """An instant in the first window opening at or after ``t``.

        It lies ``position`` (a fraction) of the way into the window.
        """
        opening = self.calendar.next_open(t, windows)
        closing = self.calendar.window_end(opening, windows)
        return opening + position * (closing - opening)
