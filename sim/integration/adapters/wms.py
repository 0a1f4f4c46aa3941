"""WMS adapter: deliveries -> pick releases; ship confirms -> canonical shipments.

Canonical in, canonical out: the integration core releases a delivery by its keys and
lines and takes each ship confirmation as a :class:`Shipment`
(:meth:`WmsAdapter.deliver_shipments`); the WMS's own records stay inside this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from mock_systems.wms import PickRelease, ShipConfirm, Wms
from sim.engine import CallResult
from sim.integration.canonical import Shipment, ShipmentLine

__all__ = ["WmsAdapter"]


class WmsAdapter:
    """Maps between the canonical model and the WMS's dialect."""

    def __init__(self, wms: Wms) -> None:
        self.wms = wms

    def deliver_shipments(
        self, consumer: Callable[[Shipment], None], region_of: Callable[[int], str]
    ) -> None:
        """Hand each ship confirmation to ``consumer`` as a shipment, at the instant it comes.

        The WMS does not know where an order goes: ``region_of`` gives an order's delivery
        region (learnt at intake), which the carrier routes by. The WMS pushes (no event per
        confirmation), so the consumer must not wait; it starts a process or a flow.
        """
        shipment_from = self.shipment_from
        self.wms.ship_confirms.deliver_to(
            lambda confirm: consumer(shipment_from(confirm, region_of(confirm.order_ref)))
        )

    def release(
        self,
        delivery: str,
        delivery_number: int,
        order_ref: int,
        site: str,
        lines: tuple[tuple[int, str, int], ...],
        timeout: float = math.inf,
    ) -> Generator[Any, Any, CallResult | bool]:
        """Send a delivery to the warehouse for picking."""
        return self.wms.release_pick(
            PickRelease(delivery, delivery_number, order_ref, site, lines), timeout
        )

    @staticmethod
    def shipment_from(confirm: ShipConfirm, region: str) -> Shipment:
        """The canonical shipment of a ship confirmation."""
        return Shipment(
            shipment_id=confirm.delivery,
            shipment_number=confirm.delivery_number,
            correlation_id=f"O{confirm.order_ref:08d}",
            order_ref=confirm.order_ref,
            site=confirm.site,
            region=region,
            lines=tuple(ShipmentLine(line_no=n, sku=m, quantity=q) for n, m, q in confirm.lines),
            shipped_at=confirm.confirmed_at,
        )
