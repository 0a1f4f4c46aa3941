"""Fulfilment handoffs: ERP delivery to the warehouse, ship confirmation to the carrier.

Two handoffs every pattern needs, whatever carries the news that starts them:

* **pick release**: an allocated ERP delivery is released to the WMS, then the ERP is told
  the warehouse took it (``release``);
* **shipping**: a WMS ship confirmation, as a canonical :class:`Shipment`, is tendered to
  the carrier, then goods issue is posted in the ERP with the tracking number (``ship``).

Each write is a durable write (retries, then parking until it lands). The handoff
guarantee is at-least-once: a write that times out may be sent again, so the WMS and the
ERP delivery API must (and do) treat a repeat as a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from sim.engine import CallResult
from sim.integration.adapters import CarrierAdapter, ErpAdapter, WmsAdapter
from sim.integration.blocks.callers import Callers
from sim.integration.blocks.durable_writes import DurableWriter
from sim.integration.canonical import Shipment
from sim.integration.settings import CallTimeouts

__all__ = ["Fulfilment", "Tendered"]

Tendered = Callable[[str, str, int], None]
"""Told (shipment id, tracking number, order) once the carrier took a shipment."""


class Fulfilment:
    """Runs the pick-release and shipping handoffs with durable writes."""

    def __init__(
        self,
        erp: ErpAdapter,
        wms: WmsAdapter,
        carrier: CarrierAdapter,
        writer: DurableWriter,
        callers: Callers,
        timeouts: CallTimeouts,
        tendered: Tendered,
    ) -> None:
        self.erp = erp
        self.wms = wms
        self.carrier = carrier
        self.writer = writer
        self.callers = callers
        self.timeouts = timeouts
        self.tendered = tendered
        self.regions: dict[int, str] = {}
        """Each order's delivery region, learnt at intake (carriers route by it)."""

    def release(
        self, order_ref: int, delivery: str, plant: str, lines: tuple[tuple[int, str, int], ...]
    ) -> Generator[Any, Any, bool]:
        """Release an allocated delivery to the warehouse; True once the ERP knows."""
        callers, writer = self.callers, self.writer
        released = yield from writer.until_done(
            callers.wms,
            callers.parked,
            partial(
                self.wms.release,
                delivery,
                self.erp.delivery_number(delivery),
                order_ref,
                plant,
                lines,
                self.timeouts.wms_release_s,
            ),
            order_ref,
            "pick_release",
        )
        if isinstance(released, CallResult) and not released.ok:
            return False
        confirmed = yield from writer.until_done(
            callers.erp_deliveries,
            callers.parked_deliveries,
            partial(self.erp.confirm_pick_release, delivery, self.timeouts.erp_delivery_s),
            order_ref,
            "pick_confirm",
        )
        return not (isinstance(confirmed, CallResult) and not confirmed.ok)

    def region_of(self, order_ref: int) -> str:
        """An order's delivery region, as learnt at intake or carried by its delivery.

        An order that began in the ERP may ship before the integration has taken it into
        the CRM; its delivery documents carry the ship-to, so the region comes from there.
        """
        region = self.regions.get(order_ref)
        if region is None:
            region = self.regions[order_ref] = self.erp.ship_to_region(order_ref)
        return region

    def forget_order(self, order_ref: int) -> None:
        """Forget an archived order's delivery region."""
        self.regions.pop(order_ref, None)

    def ship(self, shipment: Shipment) -> Generator[Any, Any, None]:
        """Tender a confirmed shipment to the carrier, then post goods issue."""
        callers, writer = self.callers, self.writer
        ref = shipment.order_ref
        tracking = yield from writer.until_done(
            callers.carrier,
            callers.parked,
            partial(self.carrier.tender, shipment, self.timeouts.carrier_tender_s),
            ref,
            "carrier_tender",
        )
        if isinstance(tracking, CallResult):
            return
        self.tendered(shipment.shipment_id, str(tracking), ref)
        yield from writer.until_done(
            callers.erp_deliveries,
            callers.parked_deliveries,
            partial(
                self.erp.post_goods_issue,
                shipment.shipment_id,
                str(tracking),
                self.timeouts.erp_delivery_s,
                shipment.lines,
            ),
            ref,
            "goods_issue",
        )
