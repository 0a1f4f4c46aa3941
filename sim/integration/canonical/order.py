"""Canonical orders, the order lifecycle and the status ranks that make it monotonic."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from pydantic import Field

from sim.integration.canonical.base import CanonicalModel, member_parser

__all__ = [
    "order_status",
    "Channel",
    "OrderStatus",
    "STATUS_RANK",
    "OrderLine",
    "Order",
    "ValidationResult",
    "SubmissionReceipt",
    "AmendmentKind",
    "OrderAmendment",
]


class Channel(StrEnum):
    """Where an order was committed."""

    FIELD_SALES = "field_sales"
    WEB_SHOP = "web_shop"
    EDI = "edi"


class OrderStatus(StrEnum):
    """The order lifecycle of DOMAIN.md; side exits are HELD and CANCELLED."""

    QUOTED = "QUOTED"
    ACCEPTED = "ACCEPTED"
    VALIDATED = "VALIDATED"
    SUBMITTED = "SUBMITTED"
    CREATED = "CREATED"
    HELD = "HELD"
    BACKORDERED = "BACKORDERED"
    ALLOCATED = "ALLOCATED"
    PICK_RELEASED = "PICK_RELEASED"
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


order_status = member_parser(OrderStatus)
"""``OrderStatus(value)``, as one dictionary look-up."""

STATUS_RANK: dict[OrderStatus, int] = {
    OrderStatus.QUOTED: 0,
    OrderStatus.ACCEPTED: 1,
    OrderStatus.VALIDATED: 2,
    OrderStatus.SUBMITTED: 3,
    OrderStatus.CREATED: 4,
    OrderStatus.HELD: 4,
    OrderStatus.BACKORDERED: 5,
    OrderStatus.ALLOCATED: 6,
    OrderStatus.PICK_RELEASED: 7,
    OrderStatus.SHIPPED: 8,
    OrderStatus.IN_TRANSIT: 9,
    OrderStatus.OUT_FOR_DELIVERY: 10,
    OrderStatus.DELIVERED: 11,
    OrderStatus.CANCELLED: 12,
}
"""Progress of each status. A status may only be replaced by one of equal or higher rank,
except HELD, which shares CREATED's rank and returns to the flow when released. An order
with a backorder reports its least advanced part, so BACKORDERED ranks below ALLOCATED."""


class AmendmentKind(StrEnum):
    """What a customer's amendment of an accepted order asks for (EDI 860 or CRM)."""

    CHANGE = "change"
    CANCEL = "cancel"


class OrderAmendment(CanonicalModel):
    """A customer's change (one line to a new quantity; 0 removes it) or cancellation."""

    order_ref: int
    kind: AmendmentKind
    line_no: int = Field(default=0, ge=0, description="the changed line (0 for a cancel)")
    quantity: int = Field(default=0, ge=0, description="the line's new quantity")
    requested_at: float


class OrderLine(NamedTuple):
    """One product and quantity on an order, priced at acceptance.

    Contract: ``line_no`` >= 1, a non-empty ``sku``, ``quantity`` > 0, ``unit_price`` >= 0
    (checked on what the adapters build by ``tests/unit/test_canonical_contract.py``).
    """

    line_no: int
    sku: str
    quantity: int
    unit_price: float
    """Price quoted to the customer."""


class Order(NamedTuple):
    """A customer order from acceptance on; ``correlation_id`` follows it end to end.

    Contract: non-empty ``correlation_id`` and ``customer_id``, ``order_ref`` >= 0,
    ``accepted_at`` >= 0, at least one line.
    """

    correlation_id: str
    order_ref: int
    """Numeric form of the correlation id."""
    customer_id: str
    channel: Channel
    region: str
    accepted_at: float
    """Simulated seconds since the run start."""
    lines: tuple[OrderLine, ...]
    currency: str = "USD"

    @property
    def net_amount(self) -> float:
        """Sum of quantity times quoted unit price."""
        return sum(line.quantity * line.unit_price for line in self.lines)

    @property
    def quantity(self) -> int:
        """Total units ordered."""
        return sum(line.quantity for line in self.lines)


class ValidationResult(NamedTuple):
    """What the rep is told at acceptance: whether the order can go through as quoted."""

    order_ref: int
    ok: bool
    reasons: tuple[str, ...] = ()
    provisional: bool = False
    """Answered from cached data."""


class SubmissionReceipt(NamedTuple):
    """The ERP's answer to an order submission."""

    order_ref: int
    accepted: bool
    erp_order_number: str = ""
    status: OrderStatus | None = None
    reason: str = ""
    replayed: bool = False
