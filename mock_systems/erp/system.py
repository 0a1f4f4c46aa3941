"""The mock ERP: credit, pricing, tax, ATP, sales orders, allocation, deliveries, invoices.

Operations called by the integration take simulated time through endpoints and return
either the ERP's answer or the endpoint's refusal (:class:`CallResult`). Every committed
change appends a :class:`ChangeNotification` to ``outbox`` (the ERP's transactional outbox)
and a history row. The ERP's order status is derived from its state: the least advanced of
its deliveries and any unallocated remainder (BACKORDERED), or HELD / CANCELLED.

:class:`Erp` holds the state and takes sales orders (simulation and creation); the other
concepts are mixins over the same state, one module each: ``status`` (status derivation
and the outbox), ``masterdata``, ``credit`` (acceptance into the credit exposure, credit
review), ``allocation`` (ATP extracts, allocation runs, backorders and their nightly
rescheduling), ``deliveries`` (pick release, goods issue, carrier milestones),
``billing`` (the billing due list and its runs, invoices, payments), ``maintenance``
(hold release, cancellation), ``reads`` (status query, change extract, read-back by key,
orders created since), ``idoc`` (EDI orders received as IDocs and posted in inbound
batches), ``scheduling`` (the delivery date confirmed at creation), ``work_processes``
(dialog and background work processes, enqueue locks) and ``returns`` (return orders,
returns receipts, credit memos; switched on by :meth:`open_returns`); ``receivables``
holds the invoices open at time zero (the warm start).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar

from mock_systems.base import MockSystem
from mock_systems.erp.allocation import Allocation
from mock_systems.erp.archive import OrderArchiving
from mock_systems.erp.billing import Billing
from mock_systems.erp.config import ErpConfig
from mock_systems.erp.credit import CreditControl
from mock_systems.erp.deliveries import DeliveryUpdates
from mock_systems.erp.idoc import IdocError, IdocInbound, OrderChangeIdoc, OrdersIdoc
from mock_systems.erp.inventory import Inventory
from mock_systems.erp.maintenance import OrderMaintenance
from mock_systems.erp.masterdata import MasterData
from mock_systems.erp.partners import BusinessPartners
from mock_systems.erp.reads import OrderReads
from mock_systems.erp.receivables import OpeningReceivables
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
)
from mock_systems.erp.returns import Returns
from mock_systems.erp.scheduling import DeliveryScheduling
from mock_systems.erp.status import ERP_STATUS_RANK, OrderStatus
from mock_systems.erp.work_processes import WorkProcessPools
from sim.engine import Mailbox, RunEnvironment
from sim.engine.calendar import WorkCalendar

__all__ = ["Erp", "ERP_STATUS_RANK"]

_Reply = Generator[Any, Any, Any]

_A_MONDAY = datetime(2024, 1, 1, tzinfo=UTC)
"""The calendar start of an ERP built without a calendar (tests): a Monday midnight."""


# Each part derives from ErpState, which declares the shared state and the cross-part
# steps; as the common base it comes last in the MRO, so the parts' order here is free
# (but for IdocInbound, which builds on MasterData and so comes before it).
class Erp(
    OrderArchiving,
    OrderStatus,
    IdocInbound,
    MasterData,
    BusinessPartners,
    CreditControl,
    Billing,
    OpeningReceivables,
    Allocation,
    DeliveryUpdates,
    OrderMaintenance,
    OrderReads,
    DeliveryScheduling,
    Returns,
    WorkProcessPools,
    MockSystem,
):
    """System of record for customers' credit, prices, stock, orders and invoices."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "simulate_order",
        "atp_extract",
        "create_order",
        "delivery_update",
        "maintain_order",
        "status_extract",
        "order_status",
        "read_order",
        "create_business_partner",
        "price_read",
    )
    CONTRACT_VERSIONS: ClassVar[tuple[str, ...]] = ("1.0", "2.0")
    """Versions of the ERP's event contract (2.0 renames the fields, as an upgrade would)."""

    def __init__(
        self,
        run: RunEnvironment,
        config: ErpConfig,
        region_plants: dict[str, str],
        calendar: WorkCalendar | None = None,
    ) -> None:
        super().__init__(run, "erp")
        self.config = config
        self.calendar = calendar if calendar is not None else WorkCalendar(_A_MONDAY)
        """Places the scheduled batch jobs (by default simulated time 0 is a Monday 00:00)."""
        self.region_plants = dict(region_plants)
        self.customers: dict[str, ErpCustomer] = {}
        self.materials: dict[str, ErpMaterial] = {}
        self.contract_prices: dict[tuple[str, str], float] = {}
        self.blocked: set[str] = set()
        """Materials blocked for sales (master-data drift)."""
        self.pending_customers: set[str] = set()
        """Customers the ERP has not received from the CRM yet (master-data drift)."""
        self.partner_xref: dict[str, str] = {}
        """CRM account id -> sold-to, for business partners replicated from the CRM."""
        self.partner_block: Callable[[str], bool] | None = None
        """Refuses the replication of some CRM accounts for now (master-data drift)."""
        self.price_outbox: Mailbox[str] = Mailbox(run.sim)
        """Materials whose list price changed (the ERP's price change notifications)."""
        self._price_changed_at: dict[str, float] = {}
        self._price_log: list[tuple[float, str]] = []
        self.contract_version = "1.0"
        """The event contract version the ERP emits now."""
        self.orders: dict[str, SalesOrder] = {}
        self.numbered = {"orders": 0, "deliveries": 0, "invoices": 0, "idocs": 0}
        """Documents numbered so far per kind (archived ones included): the next number."""
        self.on_settled: Callable[[int], None] | None = None
        """Told (customer reference) when an order is settled (:mod:`.archive`)."""
        self.by_reference: dict[int, str] = {}
        self.deliveries: dict[str, Delivery] = {}
        self.invoices: dict[str, BillingDocument] = {}
        self.outbox: Mailbox[ChangeNotification] = Mailbox(run.sim)
        self._idempotency: dict[str, tuple[str, float]] = {}
        self._change_times: list[float] = []
        self._change_documents: list[str] = []
        self._allocation_queue: list[str] = []
        self._backorders: list[str] = []
        self._billing_due: list[str] = []
        self._stock_received = False
        self.idocs: dict[int, OrdersIdoc] = {}
        self._idoc_queue: list[OrdersIdoc] = []
        self._change_queue: list[OrderChangeIdoc] = []
        self._changes_received = 0
        self.idoc_errors: Mailbox[IdocError] = Mailbox(run.sim)
        self._originated: list[tuple[float, str]] = []
        self.inventory = Inventory(
            run,
            config.replenishment,
            self.record,
            lambda m: self.materials[m].number,
            calendar,
        )
        self.inventory.on_receipt = self._note_receipt
        eps = config.endpoints
        self._build_work_processes()  # every endpoint below is served by them
        self._simulate = self.endpoint("simulate_order", eps.simulate_order)
        self._atp_extract = self.endpoint("atp_extract", eps.atp_extract)
        self._create = self.endpoint("create_order", eps.create_order)
        self._lock_creates(self._create)
        self._delivery_update = self.endpoint("delivery_update", eps.delivery_update)
        self._maintain = self.endpoint("maintain_order", eps.maintain_order)
        self._status_extract = self.endpoint("status_extract", eps.status_extract)
        self._order_status = self.endpoint("order_status", eps.order_status)
        self._read_order = self.endpoint("read_order", eps.read_order)
        self._partner_api = self.endpoint("create_business_partner", eps.create_business_partner)
        self._price_read = self.endpoint("price_read", eps.price_read)
        seed = run.streams.seed
        self._review_time = config.credit.review_time.keyed_sampler(seed, "erp.credit_review")
        self._reviews: dict[int, int] = {}
        self._payment_time = config.credit.payment_terms.keyed_sampler(seed, "erp.payment")
        self._payments: dict[int, int] = {}
        self._open_items: list[tuple[float, str, float]] = []
        self._run_time = config.allocation_run_time.keyed_sampler(seed, "erp.allocation")
        self._idoc_time = config.idoc.processing_time.keyed_sampler(seed, "erp.idoc")
        run.sim.process(self._allocation_loop())
        self._start_idoc_inbound()
        if config.billing_runs.enabled:
            run.sim.process(self._billing_loop())
        if config.backorder_rescheduling.enabled:
            run.sim.process(self._rescheduling_loop())
        run.sim.process(self.inventory.replenishment())

    def set_contract_version(self, version: str) -> None:
        """An upgrade moves the ERP's outbound events to another contract version."""
        if version not in self.CONTRACT_VERSIONS:
            raise ValueError(f"the ERP has no event contract version {version!r}")
        self.contract_version = version
        self.record("contract_version", status=version)

    # ----------------------------------------------------------------- order entry
    def simulate_order(self, request: SalesOrderRequest, timeout: float = math.inf) -> _Reply:
        """Check credit, prices, tax and ATP without committing anything."""
        return self._simulate.call(
            request.customer_reference,
            partial(self._simulation, request),
            timeout,
            len(request.items),
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
            price = self.price(customer.sold_to, item.material)
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
        return self._create.call(
            request.customer_reference,
            partial(self._commit_order, request, idempotency_key),
            timeout,
            len(request.items),
            self._create_locks(request),
        )

    def _create_from_inbound(self, request: SalesOrderRequest) -> None:
        """Create the sales order of a posted IDoc and announce it (``OrderCreated``)."""
        self._commit_order(request, None, announce=True)

    def _cancel_from_inbound(self, customer_reference: int, reason: str) -> bool:
        """Cancel an order for a posted ORDCHG IDoc, as ``cancel_order`` would."""
        return self._commit_cancel(customer_reference, reason)

    def _commit_order(
        self, request: SalesOrderRequest, idempotency_key: str | None, announce: bool = False
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
        document = str(10_000_000 + self.numbered["orders"])
        self.numbered["orders"] += 1
        plant = self.plant_for(customer.region)
        items = [
            SalesOrderItem(n, i.material, i.quantity, self.price(customer.sold_to, i.material))
            for n, i in enumerate(request.items, start=1)
        ]
        net = sum(i.quantity * i.net_price for i in items)
        order = SalesOrder(
            document, request.customer_reference, customer.sold_to, plant, items, self.sim.now, net
        )
        order.channel = request.channel
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
        self._confirm_delivery(order)
        if announce:  # an order the CRM does not know: the ERP announces it
            self._originated.append((self.sim.now, document))
            detail = {
                "channel": request.channel,
                "sold_to": request.sold_to,
                "region": customer.region,
                "items": tuple((i.item_no, i.material, i.quantity, i.net_price) for i in items),
            }
            self._changed(order, "OrderCreated", detail)
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
