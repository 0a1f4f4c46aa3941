"""The mock carrier: shipment tender, pickup and tracking scans, and their delivery feed.

A tendered shipment is picked up, departs the hub, goes out for delivery and is delivered,
each milestone a scan; a delivery attempt can fail and be re-attempted, and a shipment can
be returned. Scans reach the shipper through a webhook or an aggregator, or are read
through the tracking API. A shipment's times are keyed draws at the shipment, so the same
shipment moves the same way under every pattern.

One concept per module:

* ``records``: scan codes, :class:`Booking`, :class:`CarrierScan`, :func:`shipment_key`;
* ``config``: :class:`CarrierConfig`; ``closeout``: the pickup cut-off and the manifest;
* ``draws``: the keyed draws of a shipment's times and their draw numbers;
* ``parts``: the state the carrier's parts share and a shipment's plan of scans;
* ``attempts``: failed delivery attempts and returns, and the :class:`DeliveryFailures`
  seam;
* ``feed``: the webhook or aggregator feed, and the tracking API;
* ``system``: :class:`Carrier`, which takes tenders and walks shipments through scans.
"""

from mock_systems.carrier.attempts import DeliveryFailures
from mock_systems.carrier.closeout import ManifestCloseout, PickupCutoff
from mock_systems.carrier.config import CarrierConfig
from mock_systems.carrier.records import (
    EXCEPTION,
    EXCEPTION_REASONS,
    MILESTONES,
    OUT_FOR_DELIVERY,
    RETURNED_TO_SENDER,
    Booking,
    CarrierScan,
    shipment_key,
)
from mock_systems.carrier.system import Carrier

__all__ = [
    "CarrierConfig",
    "Booking",
    "CarrierScan",
    "Carrier",
    "DeliveryFailures",
    "ManifestCloseout",
    "PickupCutoff",
    "EXCEPTION",
    "EXCEPTION_REASONS",
    "MILESTONES",
    "OUT_FOR_DELIVERY",
    "RETURNED_TO_SENDER",
    "shipment_key",
]
