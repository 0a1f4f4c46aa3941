"""Returns of the mock ERP: return orders (RMAs), returns receipts and credit memos.

A return order refers to a sales order. The ERP checks it against what the customer was
delivered and invoiced: per item, the quantity returned (with every earlier return order of
the sales order) may not exceed the lesser of the quantity the carrier delivered and the
quantity invoiced. A return order that asks for more is refused with the reason
``exceeds_delivered`` (``unknown_order`` when there is no such sales order). An authorised
return order gets an RMA number and the plant the goods go back to (the order's plant):
``ReturnAuthorized``. A repeated idempotency key answers with the first RMA instead of
creating another.

When the warehouse has received and inspected the goods, the receipt is posted
(``post_return_receipt``): sellable units go back to unrestricted stock at the plant (a
``stock_returned`` row, which stock conservation counts), the return is ``RECEIVED``
(``ReturnReceived``), and a credit memo is posted at once for the received quantities at
the invoice's net price and its tax rate (``CreditMemoPosted``); the credit takes its net
value off the customer's credit exposure. A receipt posted twice is acknowledged, not
booked twice.

Returns events go to their own outbox, ``return_outbox``, each with a sequence per return
order. The status query (``return_status``) and the change extract (``return_changes``) answer
with :class:`ReturnStatusLine` s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import ErpMaterial
from mock_systems.erp.return_records import (
    CreditMemo,
    ReturnNotification,
    ReturnOrder,
    ReturnOrderRequest,
    ReturnOrderResult,
    ReturnReceiptItem,
    ReturnStatusLine,
)
from sim.engine import Endpoint, EndpointSpec, LogNormal, Mailbox

__all__ = ["ErpReturnsConfig", "Returns"]

_Reply = Generator[Any, Any, Any]


class ErpReturnsConfig(BaseModel):
    """The ERP's returns APIs (SAP S/4HANA publishes no numeric limit: assumptions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    create_return_order: EndpointSpec = Field(
        default=EndpointSpec(service_time=LogNormal(mean=1.0, cv=0.6), concurrency=4),
        description="assumption: a returns order create (VA01 with reference), as heavy as "
        "an order create, on fewer work processes",
    )
    post_return_receipt: EndpointSpec = Field(
        default=EndpointSpec(service_time=LogNormal(mean=1.5, cv=0.6), concurrency=4),
        description="assumption: goods receipt for the returns delivery plus the credit "
        "memo posting in one call",
    )
    return_status: EndpointSpec = Field(
        default=EndpointSpec(service_time=LogNormal(mean=0.2, cv=0.5), concurrency=8),
        description="assumption: a status query per return order, as light as order_status",
    )
    return_changes: EndpointSpec = Field(
        default=EndpointSpec(service_time=LogNormal(mean=3.0, cv=0.5), concurrency=1),
        description="assumption: a bulk extract of return orders changed since a time",
    )


class Returns(ErpState):
    """Mixin of the ERP's returns (the ERP provides the state used here)."""

    RETURN_OPERATIONS: ClassVar[tuple[str, ...]] = tuple(ErpReturnsConfig.model_fields)
    """The returns APIs (endpoints ``erp.<operation>``, fault targets once returns are on)."""

    return_orders: dict[str, ReturnOrder]
    credit_memos: dict[str, CreditMemo]
    return_outbox: Mailbox[ReturnNotification]
    _return_keys: dict[str, tuple[str, float]]
    _returned: dict[int, dict[int, int]]
    _return_changes: list[tuple[float, str]]
    _returns_api: dict[str, Endpoint]
    materials: dict[str, ErpMaterial]
    endpoint: Callable[[str, EndpointSpec], Endpoint]
    """Create the endpoint for an operation (the system base provides it)."""

    def open_returns(self, config: ErpReturnsConfig) -> None:
        """Switch the returns APIs on (a world with returns calls this once at time zero)."""
        self.return_orders = {}
        self.credit_memos = {}
        self.return_outbox = Mailbox(self.sim)
        self._return_keys = {}
        self._returned = {}
        """Per order reference: units authorised for return so far, per item number."""
        self._return_changes = []
        self._returns_api = {
            name: self.endpoint(name, getattr(config, name))
            for name in ErpReturnsConfig.model_fields
        }

    # ----------------------------------------------------------------- return orders
    def create_return_order(
        self, request: ReturnOrderRequest, idempotency_key: str | None, timeout: float = math.inf
    ) -> _Reply:
        """Authorise a return order against what was delivered and invoiced."""
        return self._returns_api["create_return_order"].call(
            request.customer_reference,
            partial(self._authorise, request, idempotency_key),
            timeout,
        )

    def _returnable(self, reference: int) -> dict[int, int] | None:
        """Per item: the lesser of delivered and invoiced units, less units returned so far."""
        document = self.by_reference.get(reference)
        if document is None:
            return None
        order = self.orders[document]
        delivered: dict[int, int] = {}
        for number in order.deliveries:
            delivery = self.deliveries[number]
            if delivery.status == "DELIVERED":
                for item_no, _, quantity in delivery.items:
                    delivered[item_no] = delivered.get(item_no, 0) + quantity
        invoiced: dict[int, int] = {}
        for number in order.deliveries:
            billing = self.deliveries[number].billing_document
            if billing:
                for item_no, _, quantity, _ in self.invoices[billing].items:
                    invoiced[item_no] = invoiced.get(item_no, 0) + quantity
        returned = self._returned.get(reference, {})
        return {
            item_no: min(quantity, invoiced.get(item_no, 0)) - returned.get(item_no, 0)
            for item_no, quantity in delivered.items()
        }

    def _authorise(
        self, request: ReturnOrderRequest, idempotency_key: str | None
    ) -> ReturnOrderResult:
        reference = request.customer_reference
        remembered = self._return_keys.get(idempotency_key) if idempotency_key else None
        if remembered is not None:
            existing = self.return_orders[remembered[0]]
            self.record("return_replayed", order=reference, status=existing.rma)
            return ReturnOrderResult(True, existing.rma, existing.plant, "", True)
        returnable = self._returnable(reference)
        units = float(sum(item.quantity for item in request.items))
        reason = ""
        if returnable is None:
            reason = "unknown_order"
        elif any(item.quantity > returnable.get(item.item_no, 0) for item in request.items):
            reason = "exceeds_delivered"
        if reason:
            self.record("return_refused", order=reference, status=reason, value=units)
            return ReturnOrderResult(False, "", "", reason)
        order = self.orders[self.by_reference[reference]]
        number = 60_000_000 + len(self.return_orders)
        rma = str(number)
        returned = self._returned.setdefault(reference, {})
        for item in request.items:
            returned[item.item_no] = returned.get(item.item_no, 0) + item.quantity
        ret = ReturnOrder(
            rma,
            number,
            request.case_number,
            reference,
            order.sales_document,
            order.plant,
            request.reason,
            request.items,
        )
        self.return_orders[rma] = ret
        if idempotency_key is not None:
            self._return_keys[idempotency_key] = (rma, self.sim.now)
        self.record(
            "return_authorized",
            order=reference,
            subject=number,
            status=request.reason,
            value=units,
        )
        self._return_changed(ret, "ReturnAuthorized", {"plant": order.plant})
        return ReturnOrderResult(True, rma, order.plant)

    # ----------------------------------------------------------------- receipt and credit
    def post_return_receipt(
        self, rma: str, items: tuple[ReturnReceiptItem, ...], timeout: float = math.inf
    ) -> _Reply:
        """Book a returns receipt and post its credit memo; True once booked."""
        ret = self.return_orders.get(rma)
        reference = -1 if ret is None else ret.customer_reference
        return self._returns_api["post_return_receipt"].call(
            reference, partial(self._receive_return, rma, items), timeout
        )

    def _receive_return(self, rma: str, items: tuple[ReturnReceiptItem, ...]) -> bool:
        ret = self.return_orders.get(rma)
        if ret is None:
            return False
        if ret.received:
            self.record("return_replayed", order=ret.customer_reference, status=rma)
            return True
        ret.received = items
        ret.status = "RECEIVED"
        for item in items:
            number = self.materials[item.material].number
            self.record(
                "return_received",
                order=ret.customer_reference,
                subject=number,
                status=ret.plant,
                value=float(item.received),
                value2=float(item.sellable),
            )
            if item.sellable:
                self.inventory.return_to_stock(
                    ret.plant, item.material, item.sellable, ret.customer_reference
                )
        self._return_changed(ret, "ReturnReceived", {})
        self._credit(ret)
        return True

    def _credit(self, ret: ReturnOrder) -> None:
        """Post the credit memo for the received quantities at the invoices' price and tax."""
        order = self.orders[ret.sales_document]
        prices: dict[int, float] = {}
        rates: dict[int, float] = {}
        for number in order.deliveries:
            billing = self.deliveries[number].billing_document
            if not billing:
                continue
            invoice = self.invoices[billing]
            rate = invoice.tax / invoice.net if invoice.net else 0.0
            for item_no, _, _, price in invoice.items:
                prices.setdefault(item_no, price)
                rates.setdefault(item_no, rate)
        lines = tuple(
            (item.item_no, item.material, item.received, prices[item.item_no])
            for item in ret.received
            if item.received
        )
        net = round(sum(q * p for _, _, q, p in lines), 2)
        tax = round(sum(q * p * rates[n] for n, _, q, p in lines), 2)
        document = str(70_000_000 + len(self.credit_memos))
        memo = CreditMemo(document, ret.rma, ret.customer_reference, net, tax, lines, self.sim.now)
        self.credit_memos[document] = memo
        ret.credit_memo = document
        ret.status = "CREDITED"
        self.customers[order.sold_to].exposure -= net
        for _, material, quantity, price in lines:
            self.record(
                "credit_memo_line",
                order=ret.customer_reference,
                subject=self.materials[material].number,
                value=float(quantity),
                value2=round(quantity * price, 2),
            )
        self.record(
            "credit_memo_posted",
            order=ret.customer_reference,
            subject=ret.number,
            value=net,
            value2=tax,
        )
        self._return_changed(ret, "CreditMemoPosted", {"credit_memo": document, "net": net})

    def _return_changed(self, ret: ReturnOrder, event: str, detail: dict[str, Any]) -> None:
        ret.version += 1
        ret.changed_at = self.sim.now
        self._return_changes.append((self.sim.now, ret.rma))
        self.return_outbox.put(
            ReturnNotification(
                event,
                ret.rma,
                ret.case_number,
                ret.customer_reference,
                ret.version,
                self.sim.now,
                ret.status,
                detail,
            )
        )

    # ----------------------------------------------------------------- reads
    def _status_line(self, ret: ReturnOrder) -> ReturnStatusLine:
        return ReturnStatusLine(
            ret.rma,
            ret.case_number,
            ret.customer_reference,
            ret.status,
            ret.version,
            ret.changed_at,
            ret.plant,
            ret.credit_memo,
        )

    def return_status(self, rma: str, timeout: float = math.inf) -> _Reply:
        """The status of one return order (``None`` for an unknown RMA)."""
        ret = self.return_orders.get(rma)
        reference = -1 if ret is None else ret.customer_reference
        return self._returns_api["return_status"].call(
            reference, lambda: None if ret is None else self._status_line(ret), timeout
        )

    def return_changes(self, since: float, timeout: float = math.inf) -> _Reply:
        """Every return order changed at or after ``since``, with the extract's own time."""
        return self._returns_api["return_changes"].call(
            -1, partial(self._extract_returns, since), timeout
        )

    def _extract_returns(self, since: float) -> tuple[float, tuple[ReturnStatusLine, ...]]:
        changed = sorted({rma for at, rma in self._return_changes if at >= since})
        return self.sim.now, tuple(self._status_line(self.return_orders[r]) for r in changed)

    def unsynced_returns(self, since: float) -> int:
        """Return orders changed at or after ``since`` (work a bulk sync has not done yet)."""
        if not hasattr(self, "_return_changes"):
            return 0
        return len({rma for at, rma in self._return_changes if at >= since})
