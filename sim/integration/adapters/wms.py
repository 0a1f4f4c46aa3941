"""WMS adapter: allocation events -> pick releases; ship confirms -> canonical shipments."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from mock_systems.wms import PickRelease, ShipConfirm, Wms
from sim.engine import CallResult
from sim.integration.canonical import Shipment, ShipmentLine

__all__ = ["WmsAdapter"]


class WmsAdapter:
    """Maps between the canonical model and the WMS's dialect."""

    def __init__(self, wms: Wms) -> None:
        self.wms = wms

    @property
    def ship_confirms(self) -> Any:
        """The WMS's outbound store of ``ShipConfirm`` messages."""
        return self.wms.ship_confirms

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
        answer: CallResult | bool = yield from self.wms.release_pick(
            PickRelease(delivery, delivery_number, order_ref, site, lines), timeout
        )
        return answer

    @staticmethod
    def shipment_from(confirm: ShipConfirm, region: str) -> Shipment:
        """The canonical shipment of a ship confirmation."""
        return Shipment(
            shipment_id=confirm.delivery,
            correlation_id=f"O{confirm.order_ref:08d}",
            order_ref=confirm.order_ref,
            site=confirm.site,
            region=region,
            lines=tuple(ShipmentLine(line_no=n, sku=m, quantity=q) for n, m, q in confirm.lines),
            shipped_at=confirm.confirmed_at,
        )
