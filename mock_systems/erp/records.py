"""The ERP's native dialect and its master and transactional records (SAP-flavoured)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

__all__ = [
    "BillingStatus",
    "ErpCustomer",
    "ErpMaterial",
    "StockRecord",
    "RequestItem",
    "SalesOrderRequest",
    "SalesOrderItem",
    "SalesOrder",
    "Delivery",
    "BillingDocument",
    "SimulationResult",
    "CreateOrderResult",
    "ChangeNotification",
    "StatusLine",
    "DeliveryDocument",
    "SalesOrderDocument",
]


class BillingStatus(StrEnum):
    """Where an invoice (billing document) stands: posted, then paid."""

    POSTED = "POSTED"
    PAID = "PAID"


@dataclass(slots=True)
class ErpCustomer:
    """Sold-to party with its credit account (KNA1 + credit segment)."""

    sold_to: str
    number: int
    name: str
    region: str
    credit_limit: float
    exposure: float = 0.0


@dataclass(slots=True)
class ErpMaterial:
    """A stocked material and its list price."""

    material: str
    number: int
    list_price: float


@dataclass(slots=True)
class StockRecord:
    """Stock of one material at one plant; ATP is on hand less allocated."""

    on_hand: int
    allocated: int = 0
    on_order: int = 0
    backlog: int = 0
    reorder_point: int = 0
    order_up_to: int = 0

    @property
    def atp(self) -> int:
        """Available to promise."""
        return self.on_hand - self.allocated


class RequestItem(NamedTuple):
    """One requested item: material, quantity and the price the customer was quoted."""

    material: str
    quantity: int
    quoted_price: float


class SalesOrderRequest(NamedTuple):
    """Inbound order in the ERP's dialect; ``customer_reference`` is the CRM order number."""

    sold_to: str
    customer_reference: int
    channel: str
    items: tuple[RequestItem, ...]


@dataclass(slots=True)
class SalesOrderItem:
    """An order item with its allocation and shipping progress."""

    item_no: int
    material: str
    quantity: int
    net_price: float
    allocated: int = 0
    shipped: int = 0

    @property
    def open_quantity(self) -> int:
        """Quantity not yet allocated."""
        return self.quantity - self.allocated


@dataclass(slots=True)
class SalesOrder:
    """A sales document; ``status`` is the ERP's truth about the order."""

    sales_document: str
    customer_reference: int
    sold_to: str
    plant: str
    items: list[SalesOrderItem]
    created_at: float
    net_value: float
    status: str = "CREATED"
    hold_reason: str = ""
    rejection_reason: str = ""
    allocation_attempted: bool = False
    deliveries: list[str] = field(default_factory=list)
    version: int = 0
    backorder_reported: bool = False
    changed_at: float = 0.0
    channel: str = ""
    """Where the order came in (``field_sales``, ``web_shop``, ``edi``)."""


@dataclass(slots=True)
class Delivery:
    """An outbound delivery: allocated quantities leaving a plant together."""

    delivery: str
    number: int
    sales_document: str
    customer_reference: int
    plant: str
    items: list[tuple[int, str, int]]
    status: str = "ALLOCATED"
    last_scan_at: float = -1.0
    tracking_number: str = ""
    goods_issued: bool = False
    billing_document: str = ""
    """The invoice of this delivery, once posted."""


@dataclass(frozen=True, slots=True)
class BillingDocument:
    """A posted invoice for one delivery."""

    billing_document: str
    sales_document: str
    customer_reference: int
    delivery: str
    net: float
    tax: float
    items: tuple[tuple[int, str, int, float], ...]
    posted_at: float
    status: BillingStatus = BillingStatus.POSTED


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Answer of the order simulation (credit, price, tax and ATP check, no commitment)."""

    ok: bool
    reasons: tuple[str, ...]
    net_value: float
    tax: float
    atp_short_items: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CreateOrderResult:
    """Answer of order creation; ``replayed`` when the idempotency key was seen before."""

    created: bool
    sales_document: str
    status: str
    reason: str = ""
    replayed: bool = False


class ChangeNotification(NamedTuple):
    """A business event in the ERP's outbox (one per committed change, versioned per order).

    A data event (``keys_only`` False) carries the order status and the change's detail; a
    notification event (``keys_only``, as most S/4HANA business events are) carries only the
    keys of what changed (``delivery``, ``billing_document``) and no status (``""``): the
    consumer reads the object back.
    """

    event: str
    sales_document: str
    customer_reference: int
    sequence: int
    occurred_at: float
    order_status: str
    detail: dict[str, Any]
    schema_version: str = "1.0"
    keys_only: bool = False


class StatusLine(NamedTuple):
    """One order's status as status queries and the change extract answer it.

    ``changed_at`` is the order status's last move; ``deliveries`` are (delivery, status)
    with the status as the ERP knows it from tracking, ``invoices`` (billing document,
    delivery, status).
    """

    customer_reference: int
    status: str
    version: int
    sales_document: str
    changed_at: float
    deliveries: tuple[tuple[str, str], ...] = ()
    invoices: tuple[tuple[str, str, BillingStatus], ...] = ()


@dataclass(frozen=True, slots=True)
class DeliveryDocument:
    """A delivery as read back by key: items, plant and status at the time of the read."""

    delivery: str
    number: int
    plant: str
    items: tuple[tuple[int, str, int], ...]
    status: str
    tracking_number: str


@dataclass(frozen=True, slots=True)
class SalesOrderDocument:
    """A sales order read back by key (an OData GET of the whole object), as it is now."""

    line: StatusLine
    sold_to: str
    plant: str
    hold_reason: str
    rejection_reason: str
    deliveries: tuple[DeliveryDocument, ...]
    invoices: tuple[BillingDocument, ...]
    channel: str = ""
    region: str = ""
    """The sold-to's sales region."""
    created_at: float = 0.0
    items: tuple[tuple[int, str, int, float], ...] = ()
    """Item number, material, quantity and net price of each order item."""
