"""The carrier's draws: a shipment's times are keyed by the shipment, not by arrival order.

Every draw of a shipment (pickup and delivery window positions, hub departure, transit
days, time to deliver, webhook delay) comes from a keyed stream per operation at
(order, n), where ``n`` packs which of the order's shipments it is and the delivery attempt
(:func:`attempt_draw`), or the scan (:func:`scan_draw`). So the same shipment moves the
same way under every pattern, whatever order the tenders arrive in. Only the aggregator's
polls are a plain stream: they are the carrier's own timeline, not any shipment's.
"""

from __future__ import annotations

from mock_systems.carrier.config import CarrierConfig
from sim.engine import Distribution, KeyedSampler, RunEnvironment, Sampler, Uniform

__all__ = ["CarrierDraws", "attempt_draw", "scan_draw"]

_ATTEMPT_BITS = 4
"""Bits of the attempt in a shipment's draw number (``max_delivery_attempts`` <= 10 < 16)."""
_SCAN_BITS = 5
"""Bits of the scan in a scan's draw number: a shipment has at most 4 + 2 * 9 + 1 = 23
scans (ten attempts, each failed one adds two, the return one)."""


def attempt_draw(nth: int, attempt: int) -> int:
    """The keyed draw number of attempt ``attempt`` of the ``nth`` shipment of an order.

    Attempt 0 stands for what happens before any delivery attempt (pickup, transit).
    """
    return nth << _ATTEMPT_BITS | attempt


def scan_draw(nth: int, sequence: int) -> int:
    """The keyed draw number of scan ``sequence`` (1, 2, ...) of the ``nth`` shipment."""
    return nth << _SCAN_BITS | sequence


class CarrierDraws:
    """The carrier's samplers, one keyed stream ``carrier.<operation>`` per operation."""

    __slots__ = (
        "delivery_position",
        "departure",
        "pickup_position",
        "poll",
        "to_delivered",
        "transit_days",
        "webhook",
    )

    def __init__(self, run: RunEnvironment, config: CarrierConfig) -> None:
        seed = run.streams.seed
        position = Uniform(low=0.0, high=1.0)

        def keyed(dist: Distribution, operation: str) -> KeyedSampler:
            return dist.keyed_sampler(seed, f"carrier.{operation}")

        # per shipment, at (order, attempt_draw(nth, 0))
        self.pickup_position = keyed(position, "pickup")
        """Where in its pickup window a shipment is picked up (a fraction)."""
        self.departure = keyed(config.hub_departure, "departure")
        """Pickup to hub departure (seconds)."""
        self.transit_days = keyed(config.transit_days, "transit")
        """Pickup to delivery day (days, rounded to whole days)."""
        # per delivery attempt, at (order, attempt_draw(nth, attempt))
        self.delivery_position = keyed(position, "out_for_delivery")
        """Where in its delivery window an attempt goes out (a fraction)."""
        self.to_delivered = keyed(config.out_for_delivery_to_delivered, "delivered")
        """Out for delivery to delivered, or to the attempt's failure (seconds)."""
        # per scan, at (order, scan_draw(nth, sequence))
        self.webhook = keyed(config.webhook_latency, "webhook")
        """A scan's delay on the webhook (seconds)."""
        # the aggregator's polls are the carrier's own timeline, the same under every pattern
        self.poll: Sampler = config.aggregator_poll_interval.sampler(
            run.streams.stream("carrier.aggregator")
        )
        """Time to the aggregator's next poll (seconds)."""
