"""Delivery updates of the mock ERP: pick release, goods issue and carrier milestones.

The warehouse confirms that it released a delivery for picking and posts the goods issue
when the goods leave the plant (stock is issued; by the ``invoice_on`` policy the
delivery is invoiced then). Carrier scans move the delivery on through IN_TRANSIT,
OUT_FOR_DELIVERY and DELIVERED; only a scan newer than the last applied one counts, and a
scan for goods not yet issued is refused with a conflict so that the sender retries.

A goods issue carries the quantities the warehouse picked: a short pick ships short, and
the shortfall goes back to backorder (see ``_adopt_picked``).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import Delivery, SalesOrder
from mock_systems.erp.status import ERP_STATUS_RANK
from sim.engine import NONE, CallResult, Endpoint

__all__ = ["DeliveryUpdates"]

_SCAN_STATUS = {
    "in_transit": "IN_TRANSIT",
    "picked_up": "IN_TRANSIT",
    "out_for_delivery": "OUT_FOR_DELIVERY",
    "delivered": "DELIVERED",
}

_Reply = Generator[Any, Any, Any]

_CONFLICT = CallResult("conflict", retry_after=60.0)
"""Refusal of an operation that is not allowed yet in the record's state (HTTP 409)."""


class DeliveryUpdates(ErpState):
    """Mixin of the ERP's delivery updates (the ERP provides the state used here)."""

    _delivery_update: Endpoint

    def confirm_pick_release(self, delivery_no: str, timeout: float = math.inf) -> _Reply:
        """The warehouse accepted the delivery for picking."""
        delivery = self.deliveries[delivery_no]
        return self._delivery_update.call(
            delivery.customer_reference, partial(self._commit_pick_release, delivery), timeout
        )

    def _commit_pick_release(self, delivery: Delivery) -> bool:
        delivery_no = delivery.delivery
        if ERP_STATUS_RANK[delivery.status] < ERP_STATUS_RANK["PICK_RELEASED"]:
            delivery.status = "PICK_RELEASED"
            self._changed(
                self.orders[delivery.sales_document], "PickReleased", {"delivery": delivery_no}
            )
        else:
            self.record(
                "no_change",
                order=delivery.customer_reference,
                subject=delivery.number,
                status="PICK_RELEASED",
            )
        return True

    def post_goods_issue(
        self,
        delivery_no: str,
        tracking_number: str,
        timeout: float = math.inf,
        picked: tuple[tuple[int, int], ...] | None = None,
    ) -> _Reply:
        """Goods left the plant: stock is issued and, by policy, the delivery invoiced.

        ``picked`` is (item number, units) as the warehouse confirmed them; less than the
        delivery's quantity is a short shipment (None: the delivery shipped complete).
        """
        delivery = self.deliveries[delivery_no]
        return self._delivery_update.call(
            delivery.customer_reference,
            partial(self._commit_goods_issue, delivery, tracking_number, picked),
            timeout,
        )

    def _adopt_picked(
        self, order: SalesOrder, delivery: Delivery, picked: tuple[tuple[int, int], ...]
    ) -> None:
        """Ship short: the delivery quantity becomes the picked quantity.

        SAP adopts the pick quantity as the delivery quantity at goods issue, and the rest
        of each item goes back to backorder.

        The shortfall's allocation is released and its units wait for allocation again
        (the sales order keeps the open quantity, as with partial deliveries allowed, SAP's
        default); the order is recorded as ``shipped_short`` (value = units short).
        """
        found = dict(picked)
        items_by_no = {item.item_no: item for item in order.items}
        lines: list[tuple[int, str, int]] = []
        short_total = 0
        for item_no, material, quantity in delivery.items:
            shipped = min(quantity, found.get(item_no, 0))
            short = quantity - shipped
            if short:
                short_total += short
                self.inventory.release(delivery.plant, material, short)
                self.inventory.add_backlog(delivery.plant, material, short)
                items_by_no[item_no].allocated -= short
            if shipped:
                lines.append((item_no, material, shipped))
        if not short_total:
            return
        delivery.items = lines
        order.backorder_reported = False
        if order.sales_document not in self._backorders:
            self._backorders.append(order.sales_document)
        self.record(
            "shipped_short",
            order=order.customer_reference,
            subject=delivery.number,
            status=delivery.plant,
            value=float(short_total),
        )

    def _commit_goods_issue(
        self,
        delivery: Delivery,
        tracking_number: str,
        picked: tuple[tuple[int, int], ...] | None = None,
    ) -> bool:
        delivery_no = delivery.delivery
        if delivery.goods_issued:
            self.record(
                "duplicate_suppressed", order=delivery.customer_reference, subject=delivery.number
            )
            return True
        order = self.orders[delivery.sales_document]
        if picked is not None:
            self._adopt_picked(order, delivery, picked)
        items_by_no = {item.item_no: item for item in order.items}
        for item_no, material, quantity in delivery.items:
            self.inventory.issue(delivery.plant, material, quantity, order.customer_reference)
            items_by_no[item_no].shipped += quantity
        delivery.status = "SHIPPED"
        delivery.goods_issued = True
        delivery.tracking_number = tracking_number
        self.record(
            "shipment_dispatched",
            order=order.customer_reference,
            subject=delivery.number,
            status=delivery.plant,
            value=float(sum(q for _, _, q in delivery.items)),
        )
        self._changed(
            order,
            "ShipmentDispatched",
            {"delivery": delivery_no, "tracking_number": tracking_number},
        )
        if self.config.invoice_on == "shipment":
            self._invoice(order, delivery)
        return True

    def record_tracking(
        self, delivery_no: str, scan_code: str, occurred_at: float, timeout: float = math.inf
    ) -> _Reply:
        """Apply a carrier milestone to a delivery (only ones newer than the last applied).

        A delivery the ERP no longer holds (archived with its settled order: a late
        duplicate scan) is answered once the call is served, keyed to no order: nothing
        changed (False), so the sender does not retry.
        """
        delivery = self.deliveries.get(delivery_no)
        if delivery is None:
            return self._delivery_update.call(NONE, _nothing_changed, timeout)
        return self._delivery_update.call(
            delivery.customer_reference,
            partial(self._commit_tracking, delivery, scan_code, occurred_at),
            timeout,
        )

    def _commit_tracking(
        self, delivery: Delivery, scan_code: str, occurred_at: float
    ) -> CallResult | bool:
        delivery_no = delivery.delivery
        status = _SCAN_STATUS.get(scan_code)
        refusal: tuple[str, CallResult | bool] | None = None
        if not delivery.goods_issued:
            # a scan for goods not yet issued: refuse (409 Conflict) so the sender retries
            refusal = ("tracking_refused", _CONFLICT)
        elif status is None or occurred_at <= delivery.last_scan_at:
            refusal = ("tracking_ignored", False)
        else:
            delivery.last_scan_at = occurred_at
            if ERP_STATUS_RANK[status] <= ERP_STATUS_RANK[delivery.status]:
                # a newer scan of a milestone already shown (in_transit after picked_up)
                refusal = ("no_change", False)
        if refusal is not None:
            event, answer = refusal
            self.record(
                event,
                order=delivery.customer_reference,
                subject=delivery.number,
                status=scan_code,
                value2=occurred_at,
            )
            return answer
        assert status is not None  # a scan with no status mapping was refused above
        delivery.status = status
        order = self.orders[delivery.sales_document]
        self.record(
            "delivery_status",
            order=order.customer_reference,
            subject=delivery.number,
            status=status,
            value2=occurred_at,
        )
        self._changed(
            order,
            "ShipmentStatusChanged",
            {"delivery": delivery_no, "delivery_status": status, "scan_occurred_at": occurred_at},
            occurred_at=occurred_at,
        )
        if status == "DELIVERED" and self.config.invoice_on == "delivery":
            self._invoice(order, delivery)
        return True


def _nothing_changed() -> bool:
    """The answer to an update of a document the ERP does not hold: nothing changed."""
    return False
