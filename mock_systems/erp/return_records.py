"""The ERP's returns dialect: return order requests, return orders, credit memos, events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CreditMemo",
    "ReturnItem",
    "ReturnNotification",
    "ReturnOrder",
    "ReturnOrderRequest",
    "ReturnOrderResult",
    "ReturnReceiptItem",
    "ReturnStatusLine",
]


@dataclass(frozen=True, slots=True)
class ReturnItem:
    """One item of a return: the sales order item, its material and the quantity."""

    item_no: int
    material: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReturnOrderRequest:
    """Inbound return order (an RMA request) for the sales order ``customer_reference``."""

    case_number: int
    customer_reference: int
    reason: str
    items: tuple[ReturnItem, ...]


@dataclass(frozen=True, slots=True)
class ReturnOrderResult:
    """Answer of return order creation; ``replayed`` when the idempotency key was seen."""

    authorized: bool
    rma: str
    plant: str
    reason: str = ""
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class ReturnReceiptItem:
    """What the warehouse received of one item: all of it, and how much is sellable."""

    item_no: int
    material: str
    received: int
    sellable: int


@dataclass(slots=True)
class ReturnOrder:
    """A return order (RMA) and its progress: authorised, received, credited."""

    rma: str
    number: int
    case_number: int
    customer_reference: int
    sales_document: str
    plant: str
    reason: str
    items: tuple[ReturnItem, ...]
    status: str = "AUTHORIZED"
    received: tuple[ReturnReceiptItem, ...] = ()
    credit_memo: str = ""
    version: int = 0
    changed_at: float = 0.0


@dataclass(frozen=True, slots=True)
class CreditMemo:
    """A posted credit memo: the received quantities at the invoices' net prices and tax."""

    document: str
    rma: str
    customer_reference: int
    net: float
    tax: float
    items: tuple[tuple[int, str, int, float], ...]
    posted_at: float


@dataclass(frozen=True, slots=True)
class ReturnNotification:
    """A returns business event in the ERP's returns outbox (versioned per return order)."""

    event: str
    rma: str
    case_number: int
    customer_reference: int
    sequence: int
    occurred_at: float
    status: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReturnStatusLine:
    """A return order's status as the status query and the change extract answer it."""

    rma: str
    case_number: int
    customer_reference: int
    status: str
    version: int
    changed_at: float
    plant: str
    credit_memo: str
