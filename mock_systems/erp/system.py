"""The mock ERP: credit, pricing, tax, ATP, sales orders, allocation, deliveries, invoices.

Operations called by the integration take simulated time through endpoints and return
either the ERP's answer or the endpoint's refusal (:class:`CallResult`). Every committed
change appends a :class:`ChangeNotification` to ``outbox`` (the ERP's transactional outbox)
and a history row. The ERP's order status is derived from its state: the least advanced of
its deliveries and any unallocated remainder (BACKORDERED), or HELD / CANCELLED.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial
from typing import Any, ClassVar

from mock_systems.base import MockSystem
from mock_systems.erp.config import ErpConfig
from mock_systems.erp.inventory import Inventory
from mock_systems.erp.maintenance import OrderMaintenance
from mock_systems.erp.records import (
    BillingDocument,
    ChangeNotification,
    CreateOrderResult,
    Delivery,
    ErpCustomer,
    ErpMaterial,
    SalesOrder,
    SalesOrderItem,
    SalesOrderRequest,
    SimulationResult,
    StockRecord,
)
from sim.engine import NONE, CallResult, Mailbox, RunEnvironment

__all__ = ["Erp", "ERP_STATUS_RANK"]

ERP_STATUS_RANK = {
    "CREATED": 4,
    "HELD": 4,
    "BACKORDERED": 5,
    "ALLOCATED": 6,
    "PICK_RELEASED": 7,
    "SHIPPED": 8,
    "IN_TRANSIT": 9,
    "OUT_FOR_DELIVERY": 10,
    "DELIVERED": 11,
    "CANCELLED": 12,
}
"""Progress of the ERP's order and delivery statuses."""

_SCAN_STATUS = {
    "in_transit": "IN_TRANSIT",
    "picked_up": "IN_TRANSIT",
    "out_for_delivery": "OUT_FOR_DELIVERY",
    "delivered": "DELIVERED",
}

_Reply = Generator[Any, Any, Any]

_CONFLICT = CallResult("conflict", retry_after=60.0)
"""Refusal of an operation that is not allowed yet in the record's state (HTTP 409)."""


class Erp(OrderMaintenance, MockSystem):
    """System of record for customers' credit, prices, stock, orders and invoices."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "simulate_order",
        "atp_extract",
        "create_order",
        "delivery_update",
        "maintain_order",
        "status_extract",
        "read_order",
    )
    CONTRACT_VERSIONS: ClassVar[tuple[str, ...]] = ("1.0", "2.0")
    """Versions of the ERP's event contract (2.0 renames the fields, as an upgrade would)."""

    def __init__(
        self, run: RunEnvironment, config: ErpConfig, region_plants: dict[str, str]
    ) -> None:
        super().__init__(run, "erp")
        self.config = config
        self.region_plants = dict(region_plants)
        self.customers: dict[str, ErpCustomer] = {}
        self.materials: dict[str, ErpMaterial] = {}
        self.contract_prices: dict[tuple[str, str], float] = {}
        self.blocked: set[str] = set()
        self.pending_customers: set[str] = set()
        self.contract_version = "1.0"
        """The event contract version the ERP emits now."""
        """Customers the ERP has not received from the CRM yet (master-data drift)."""
        """Materials blocked for sales (master-data drift)."""
        self.orders: dict[str, SalesOrder] = {}
        self.by_reference: dict[int, str] = {}
        self.deliveries: dict[str, Delivery] = {}
        self.invoices: dict[str, BillingDocument] = {}
        self.outbox: Mailbox[ChangeNotification] = Mailbox(run.sim)
        self._idempotency: dict[str, tuple[str, float]] = {}
        self._change_times: list[float] = []
        self._change_documents: list[str] = []
        self._allocation_queue: list[str] = []
        self._backorders: list[str] = []
        self._stock_received = False
        self.inventory = Inventory(
            run, config.replenishment, self.record, lambda m: self.materials[m].number
        )
        self.inventory.on_receipt = self._note_receipt
        eps = config.endpoints
        self._simulate = self.endpoint("simulate_order", eps.simulate_order)
        self._atp_extract = self.endpoint("atp_extract", eps.atp_extract)
        self._create = self.endpoint("create_order", eps.create_order)
        self._delivery_update = self.endpoint("delivery_update", eps.delivery_update)
        self._maintain = self.endpoint("maintain_order", eps.maintain_order)
        self._status_extract = self.endpoint("status_extract", eps.status_extract)
        self._read_order = self.endpoint("read_order", eps.read_order)
        self._review_time = config.credit.review_time.sampler(run.streams.stream("erp.credit"))
        self._payment_time = config.credit.payment_terms.sampler(run.streams.stream("erp.payments"))
        self._run_time = config.allocation_run_time.sampler(run.streams.stream("erp.allocation"))
        run.sim.process(self._allocation_loop())
        run.sim.process(self.inventory.replenishment())

    # ----------------------------------------------------------------- master data
    def add_customer(
        self, sold_to: str, name: str, region: str, credit_limit: float, exposure: float = 0.0
    ) -> ErpCustomer:
        """Create a sold-to party with its credit limit and opening exposure."""
        customer = ErpCustomer(sold_to, len(self.customers), name, region, credit_limit, exposure)
        self.customers[sold_to] = customer
        return customer

    def add_material(self, material: str, list_price: float) -> ErpMaterial:
        """Create a material with its list price."""
        record = ErpMaterial(material, len(self.materials), list_price)
        self.materials[material] = record
        return record

    def set_contract_price(self, sold_to: str, material: str, price: float) -> None:
        """A customer-specific price that overrides the list price."""
        self.contract_prices[(sold_to, material)] = price

    def set_stock(
        self, plant: str, material: str, on_hand: int, reorder_point: int, order_up_to: int
    ) -> None:
        """Opening stock and (s, S) replenishment levels of a material at a plant."""
        self.inventory.put(
            plant,
            material,
            StockRecord(on_hand=on_hand, reorder_point=reorder_point, order_up_to=order_up_to),
        )

    def set_contract_version(self, version: str) -> None:
        """An upgrade moves the ERP's outbound events to another contract version."""
        if version not in self.CONTRACT_VERSIONS:
            raise ValueError(f"the ERP has no event contract version {version!r}")
        self.contract_version = version
        self.record("contract_version", status=version)

    def _known_customer(self, sold_to: str) -> ErpCustomer | None:
        return None if sold_to in self.pending_customers else self.customers.get(sold_to)

    def set_customer_pending(self, sold_to: str, pending: bool) -> None:
        """A customer the CRM has but the ERP has not received yet (master-data sync lag)."""
        if pending:
            self.pending_customers.add(sold_to)
        else:
            self.pending_customers.discard(sold_to)
        self.record(
            "customer_pending" if pending else "customer_created",
            subject=self.customers[sold_to].number,
        )

    def _orderable(self, material: str) -> bool:
        return material in self.materials and material not in self.blocked

    # ----------------------------------------------------------------- administration
    def set_list_price(self, material: str, price: float) -> None:
        """A data steward changes a list price (no simulated time; a history row)."""
        record = self.materials[material]
        record.list_price = price
        self.record("list_price_changed", subject=record.number, value=price)

    def block_material(self, material: str, blocked: bool) -> None:
        """A data steward blocks a material for sales orders, or lifts the block."""
        if blocked:
            self.blocked.add(material)
        else:
            self.blocked.discard(material)
        self.record(
            "material_blocked" if blocked else "material_unblocked",
            subject=self.materials[material].number,
        )

    def price(self, sold_to: str, material: str) -> float:
        """The net unit price the ERP charges this customer."""
        contract = self.contract_prices.get((sold_to, material))
        return contract if contract is not None else self.materials[material].list_price

    def plant_for(self, region: str) -> str:
        """The plant that serves a region."""
        return self.region_plants[region]

    # ----------------------------------------------------------------- operations
    def atp_changes(self, plant: str, timeout: float = math.inf) -> _Reply:
        """Delta extract: ATP of the materials whose stock moved at a plant since the last one.

        Driven by change pointers, as an ERP's change-pointer extract is: the first call
        returns every stocked material, later calls only what allocation, goods issue or
        goods receipt touched. It has a single consumer.
        """
        return (
            yield from self._atp_extract.call(
                NONE, partial(self.inventory.take_changes, plant), timeout
            )
        )

    def simulate_order(self, request: SalesOrderRequest, timeout: float = math.inf) -> _Reply:
        """Check credit, prices, tax and ATP without committing anything."""
        return (
            yield from self._simulate.call(
                request.customer_reference, partial(self._simulation, request), timeout
            )
        )

    def _simulation(self, request: SalesOrderRequest) -> SimulationResult:
        customer = self._known_customer(request.sold_to)
        materials, blocked = self.materials, self.blocked
        unknown = [i.material for i in request.items if i.material not in materials]
        if blocked:
            unknown += [i.material for i in request.items if i.material in blocked]
        if customer is None or unknown:
            return SimulationResult(False, ("master_data_conflict",), 0.0, 0.0, ())
        reasons: list[str] = []
        net = 0.0
        for item in request.items:
            price = self.price(request.sold_to, item.material)
            if abs(price - item.quoted_price) > self.config.price_tolerance * price:
                reasons.append("pricing_mismatch")
            net += price * item.quantity
        if customer.region not in self.config.tax_rates:
            reasons.append("tax_configuration")
        if customer.exposure + net > customer.credit_limit:
            reasons.append("credit_hold")
        plant = self.plant_for(customer.region)
        short = tuple(
            n
            for n, item in enumerate(request.items, start=1)
            if self.inventory.record_for(plant, item.material).atp < item.quantity
        )
        tax = net * self.config.tax_rates.get(customer.region, 0.0)
        return SimulationResult(not reasons, tuple(reasons), net, tax, short)

    def create_order(
        self,
        request: SalesOrderRequest,
        idempotency_key: str | None,
        timeout: float = math.inf,
    ) -> _Reply:
        """Create a sales order; a repeated idempotency key returns the first order."""
        return (
            yield from self._create.call(
                request.customer_reference,
                partial(self._commit_order, request, idempotency_key),
                timeout,
            )
        )

    def _commit_order(
        self, request: SalesOrderRequest, idempotency_key: str | None
    ) -> CreateOrderResult:
        remembered = self._idempotency.get(idempotency_key) if idempotency_key else None
        if (
            remembered is not None
            and self.sim.now - remembered[1] > self.config.idempotency_retention_s
        ):
            remembered = None  # the key has expired from the idempotency store
        if remembered is not None:
            existing = self.orders[remembered[0]]
            self.record("duplicate_suppressed", order=request.customer_reference)
            return CreateOrderResult(True, existing.sales_document, existing.status, "", True)
        customer = self._known_customer(request.sold_to)
        if customer is None or any(not self._orderable(i.material) for i in request.items):
            self.record(
                "order_rejected", order=request.customer_reference, status="master_data_conflict"
            )
            return CreateOrderResult(False, "", "REJECTED", "master_data_conflict")
        document = str(10_000_000 + len(self.orders))
        plant = self.plant_for(customer.region)
        items = [
            SalesOrderItem(n, i.material, i.quantity, self.price(request.sold_to, i.material))
            for n, i in enumerate(request.items, start=1)
        ]
        net = sum(i.quantity * i.net_price for i in items)
        order = SalesOrder(
            document, request.customer_reference, request.sold_to, plant, items, self.sim.now, net
        )
        self.orders[document] = order
        self.by_reference[request.customer_reference] = document
        if idempotency_key is not None:
            self._idempotency[idempotency_key] = (document, self.sim.now)
        self.record(
            "order_created",
            order=order.customer_reference,
            subject=customer.number,
            status=plant,
            value=net,
        )
        mismatch = any(
            abs(item.net_price - req.quoted_price) > self.config.price_tolerance * item.net_price
            for item, req in zip(items, request.items, strict=True)
        )
        if mismatch:
            self._hold(order, "pricing_mismatch")
        elif customer.region not in self.config.tax_rates:
            self._hold(order, "tax_configuration")
        elif customer.exposure + net > customer.credit_limit:
            self._hold(order, "credit_hold")
            self.sim.process(self._credit_review(order))
        else:
            self._accept(order)
        return CreateOrderResult(True, document, order.status)

    def confirm_pick_release(self, delivery_no: str, timeout: float = math.inf) -> _Reply:
        """The warehouse accepted the delivery for picking."""
        delivery = self.deliveries[delivery_no]
        return (
            yield from self._delivery_update.call(
                delivery.customer_reference, partial(self._commit_pick_release, delivery), timeout
            )
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
        self, delivery_no: str, tracking_number: str, timeout: float = math.inf
    ) -> _Reply:
        """Goods left the plant: stock is issued and, by policy, the delivery invoiced."""
        delivery = self.deliveries[delivery_no]
        return (
            yield from self._delivery_update.call(
                delivery.customer_reference,
                partial(self._commit_goods_issue, delivery, tracking_number),
                timeout,
            )
        )

    def _commit_goods_issue(self, delivery: Delivery, tracking_number: str) -> bool:
        delivery_no = delivery.delivery
        if delivery.goods_issued:
            self.record(
                "duplicate_suppressed", order=delivery.customer_reference, subject=delivery.number
            )
            return True
        order = self.orders[delivery.sales_document]
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
        """Apply a carrier milestone to a delivery (only ones newer than the last applied)."""
        delivery = self.deliveries[delivery_no]
        return (
            yield from self._delivery_update.call(
                delivery.customer_reference,
                partial(self._commit_tracking, delivery, scan_code, occurred_at),
                timeout,
            )
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

    # ----------------------------------------------------------------- internals
    def _hold(self, order: SalesOrder, reason: str) -> None:
        order.hold_reason = reason
        self.record(
            "hold_placed", order=order.customer_reference, status=reason, value=order.net_value
        )
        self._changed(
            order,
            "CreditHoldPlaced" if reason == "credit_hold" else "OrderHeld",
            {"reason": reason},
        )

    def _accept(self, order: SalesOrder) -> None:
        customer = self.customers[order.sold_to]
        customer.exposure += order.net_value
        for item in order.items:
            self.inventory.add_backlog(order.plant, item.material, item.quantity)
        self._allocation_queue.append(order.sales_document)
        self._changed(order, "OrderAccepted", {"net_value": order.net_value})

    def _credit_review(self, order: SalesOrder) -> Generator[Any, Any, None]:
        yield self.sim.timeout(self._review_time())
        customer = self.customers[order.sold_to]
        ceiling = customer.credit_limit * (1 + self.config.credit.approval_tolerance)
        if customer.exposure + order.net_value <= ceiling:
            order.hold_reason = ""
            self.record("hold_released", order=order.customer_reference, status="credit_hold")
            self._changed(order, "CreditHoldReleased", {})
            self._accept(order)
        else:
            order.hold_reason = ""
            order.rejection_reason = "credit_hold"
            self.record("order_rejected", order=order.customer_reference, status="credit_hold")
            self._changed(order, "OrderRejected", {"reason": "credit_hold"})

    def _allocation_loop(self) -> Generator[Any, Any, None]:
        interval = self.config.allocation_interval_s
        while True:
            yield self.sim.timeout(interval - self.sim.now % interval)
            if not self._allocation_queue and not self._stock_received:
                continue
            yield self.sim.timeout(self._run_time())
            self._allocate_all()

    def _note_receipt(self) -> None:
        self._stock_received = True

    def _allocate_all(self) -> None:
        """Allocate backorders first (oldest first) when stock arrived, then new orders."""
        queue = self._allocation_queue
        if self._stock_received:
            queue = self._backorders + queue
            self._backorders = []
            self._stock_received = False
        self._allocation_queue = []
        for document in queue:
            order = self.orders[document]
            if order.status == "CANCELLED":
                continue
            self._allocate(order)
            if any(item.open_quantity > 0 for item in order.items):
                self._backorders.append(document)

    def _allocate(self, order: SalesOrder) -> None:
        first_attempt = not order.allocation_attempted
        order.allocation_attempted = True
        lines: list[tuple[int, str, int]] = []
        for item in order.items:
            if item.open_quantity > 0:
                granted = self.inventory.allocate(order.plant, item.material, item.open_quantity)
                if granted:
                    item.allocated += granted
                    lines.append((item.item_no, item.material, granted))
        if lines:
            delivery = Delivery(
                str(80_000_000 + len(self.deliveries)),
                len(self.deliveries),
                order.sales_document,
                order.customer_reference,
                order.plant,
                lines,
            )
            self.deliveries[delivery.delivery] = delivery
            order.deliveries.append(delivery.delivery)
            quantity = sum(q for _, _, q in lines)
            self.record(
                "inventory_allocated",
                order=order.customer_reference,
                subject=delivery.number,
                status=order.plant,
                value=float(quantity),
            )
            self._changed(
                order,
                "InventoryAllocated",
                {
                    "delivery": delivery.delivery,
                    "plant": order.plant,
                    "items": [list(line) for line in lines],
                },
            )
        open_quantity = sum(item.open_quantity for item in order.items)
        if open_quantity and (first_attempt or not order.backorder_reported):
            order.backorder_reported = True
            self.record(
                "backorder_created",
                order=order.customer_reference,
                status=order.plant,
                value=float(open_quantity),
            )
            self._changed(order, "BackorderCreated", {"open_quantity": open_quantity})

    def _invoice(self, order: SalesOrder, delivery: Delivery) -> None:
        prices = {item.item_no: item.net_price for item in order.items}
        items = tuple((n, m, q, prices[n]) for n, m, q in delivery.items)
        net = round(sum(q * p for _, _, q, p in items), 2)
        region = self.customers[order.sold_to].region
        tax = round(net * self.config.tax_rates[region], 2)  # untaxed regions are held
        document = str(90_000_000 + len(self.invoices))
        invoice = BillingDocument(
            document,
            order.sales_document,
            order.customer_reference,
            delivery.delivery,
            net,
            tax,
            items,
            self.sim.now,
        )
        self.invoices[document] = invoice
        self.record(
            "invoice_posted",
            order=order.customer_reference,
            subject=delivery.number,
            value=net,
            value2=tax,
        )
        self._changed(
            order,
            "InvoicePosted",
            {"billing_document": document, "net": net, "tax": tax, "delivery": delivery.delivery},
        )
        self.sim.process(self._payment(invoice))

    def _payment(self, invoice: BillingDocument) -> Generator[Any, Any, None]:
        yield self.sim.timeout(self._payment_time())
        order = self.orders[invoice.sales_document]
        self.customers[order.sold_to].exposure -= invoice.net
        self.record(
            "payment_received",
            order=order.customer_reference,
            subject=self.deliveries[invoice.delivery].number,
            value=invoice.net,
        )
        self._changed(
            order,
            "PaymentReceived",
            {"billing_document": invoice.billing_document, "delivery": invoice.delivery},
        )

    def _derive_status(self, order: SalesOrder) -> str:
        if order.rejection_reason:
            return "CANCELLED"
        if order.hold_reason:
            return "HELD"
        rank = ERP_STATUS_RANK
        least = ""
        for item in order.items:
            if item.quantity > item.allocated:  # something is still open
                least = "BACKORDERED" if order.allocation_attempted else "CREATED"
                break
        deliveries = self.deliveries
        for number in order.deliveries:
            status = deliveries[number].status
            if not least or rank[status] < rank[least]:
                least = status
        return least or "CREATED"

    def _changed(
        self,
        order: SalesOrder,
        event: str,
        detail: dict[str, Any],
        occurred_at: float | None = None,
    ) -> None:
        """Re-derive the order status, record it if it moved, and publish the event."""
        status = self._derive_status(order)
        status_moved = status != order.status or order.version == 0
        if status_moved:
            order.status = status
            self.record("order_status", order=order.customer_reference, status=status)
        order.version += 1
        if status_moved:  # the change log feeds status extracts: status changes only
            order.changed_at = self.sim.now
            self._change_times.append(self.sim.now)
            self._change_documents.append(order.sales_document)
        when = self.sim.now if occurred_at is None else occurred_at
        self.outbox.put(
            ChangeNotification(
                event,
                order.sales_document,
                order.customer_reference,
                order.version,
                when,
                order.status,
                detail,
                self.contract_version,
            )
        )
