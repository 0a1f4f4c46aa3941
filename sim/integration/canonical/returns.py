"""The canonical ``Return`` (DOMAIN.md): a customer's return from request to credit memo.

A return starts as a CRM case (``REQUESTED``), is authorised by the ERP with an RMA
number and the site the goods go back to (``AUTHORIZED``) or refused with a reason
(``REFUSED``), is received and inspected by the warehouse (``RECEIVED``) and ends with the
ERP's credit memo (``CREDITED``). :data:`RETURN_RANK` orders the statuses; a refusal ends
the return.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from sim.integration.canonical.base import CanonicalModel

__all__ = [
    "RETURN_RANK",
    "Return",
    "ReturnLine",
    "ReturnNews",
    "ReturnReceived",
    "ReturnStatus",
]


class ReturnStatus(StrEnum):
    """Where a return stands."""

    REQUESTED = "REQUESTED"
    AUTHORIZED = "AUTHORIZED"
    REFUSED = "REFUSED"
    RECEIVED = "RECEIVED"
    CREDITED = "CREDITED"


RETURN_RANK: dict[ReturnStatus, int] = {
    ReturnStatus.REQUESTED: 0,
    ReturnStatus.AUTHORIZED: 1,
    ReturnStatus.REFUSED: 1,
    ReturnStatus.RECEIVED: 2,
    ReturnStatus.CREDITED: 3,
}
"""Progress of a return's statuses (a refused return goes no further)."""


class ReturnLine(CanonicalModel):
    """Units of one order line the customer returns."""

    line_no: int = Field(ge=1)
    sku: str
    quantity: int = Field(gt=0)


class Return(CanonicalModel):
    """A return request as the CRM raised it (the case number is the order's number)."""

    return_ref: int = Field(ge=0, description="the return case's number")
    correlation_id: str
    order_ref: int = Field(ge=0)
    reason: str
    lines: tuple[ReturnLine, ...] = Field(min_length=1)
    requested_at: float = Field(ge=0)


class ReturnNews(CanonicalModel):
    """What the CRM case should show of a return: its status and the ERP's references."""

    return_ref: int = Field(ge=0)
    order_ref: int = Field(ge=0)
    status: ReturnStatus
    sequence: int = Field(ge=0, description="the return order's version in the ERP")
    occurred_at: float = Field(ge=0)
    rma: str = ""
    site: str = ""
    reason: str = ""
    credit_memo: str = ""


class ReturnReceived(CanonicalModel):
    """The warehouse's receipt of a return: per line, units received and sellable."""

    rma: str
    order_ref: int = Field(ge=0)
    site: str
    lines: tuple[tuple[int, str, int, int], ...]
    inspected_at: float = Field(ge=0)
