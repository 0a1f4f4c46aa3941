"""Customer service cases of the mock CRM (Salesforce ``Case``): return requests.

A customer who wants to send goods back calls customer service; the agent opens a
``Case`` of type return with a reason and the lines and quantities the customer names
(data entry, no simulated time). Opening it emits a ``CaseOpened`` outbound message on
``outbound``, which the integration carries to the ERP as a return order.

The integration writes the case's progress back through the CRM's API endpoint (the same
endpoint, and so the same Salesforce limits, as order status writes): ``Authorized`` with
the ERP's RMA number and the site to send the goods to, ``Refused`` with the ERP's reason,
then ``Received`` and ``Credited``. The CRM stores what it is sent; each change of status is
a ``crm.case_status`` row whose ``value2`` is when the change happened at its source.

When a case turns ``Authorized`` the agent gives the customer the RMA number and the
customer ships the goods: whoever watches :attr:`CrmCases.on_authorized` is told.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from mock_systems.crm import Crm
from mock_systems.crm_orders import crm_order_id
from sim.engine import CallResult, Mailbox

__all__ = ["CaseLine", "CaseOpened", "CaseStatus", "Case", "CrmCases", "case_id"]

_DONE = CallResult("ok")


class CaseStatus(StrEnum):
    """Where a return case stands, as the CRM shows it to customer service."""

    NEW = "New"
    AUTHORIZED = "Authorized"
    REFUSED = "Refused"
    RECEIVED = "Received"
    CREDITED = "Credited"


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One product the customer wants to return: the quote line, product and quantity."""

    LineNumber: int
    ProductCode: str
    Quantity: int


@dataclass(slots=True)
class Case:
    """A return case; ``CaseNumber`` is the number of the order (quote) it concerns."""

    Id: str
    CaseNumber: int
    QuoteNumber: int
    AccountId: str
    Reason: str
    Lines: tuple[CaseLine, ...]
    CreatedDate: float
    Status: CaseStatus = CaseStatus.NEW
    RMA_Number__c: str = ""
    Return_Site__c: str = ""
    Refusal_Reason__c: str = ""
    Credit_Memo__c: str = ""


@dataclass(frozen=True, slots=True)
class CaseOpened:
    """Outbound message sent when a return case is opened."""

    CaseId: str
    CaseNumber: int
    QuoteNumber: int
    AccountId: str
    Reason: str
    Lines: tuple[CaseLine, ...]
    CreatedDate: float


def case_id(number: int) -> str:
    """The CRM record id of case ``number`` (Salesforce's ``Case`` key prefix is 500)."""
    return f"500{number:012d}"


class CrmCases:
    """The CRM's return cases, written through the CRM's API endpoint."""

    def __init__(self, crm: Crm) -> None:
        self.crm = crm
        self.sim = crm.sim
        self.record = crm.record
        self.cases: dict[str, Case] = {}
        self.outbound: Mailbox[CaseOpened] = Mailbox(crm.sim)
        self.on_authorized: Callable[[Case], None] = lambda case: None
        """Told when a case turns Authorized: the customer ships the goods."""
        self._api = crm.endpoints["api"]

    def open_case(self, quote_number: int, reason: str, lines: tuple[CaseLine, ...]) -> Case | None:
        """Customer service opens a return case for an order the CRM holds (one per order).

        The order is an accepted quote, or an order record (a web-shop order, or one that
        began in the ERP) for the other channels.
        """
        quote = self.crm.quotes.get(f"0Q0{quote_number:012d}") or self.crm.orders.get(
            crm_order_id(quote_number)
        )
        if quote is None or case_id(quote_number) in self.cases:
            return None
        case = Case(
            case_id(quote_number),
            quote_number,
            quote_number,
            quote.AccountId,
            reason,
            lines,
            self.sim.now,
        )
        self.cases[case.Id] = case
        self.record(
            "case_opened",
            order=quote_number,
            status=reason,
            value=float(sum(line.Quantity for line in lines)),
        )
        self.outbound.put(
            CaseOpened(
                case.Id, quote_number, quote_number, quote.AccountId, reason, lines, self.sim.now
            )
        )
        return case

    def update_case(
        self,
        case_number: int,
        fields: dict[str, str],
        source_time: float,
        timeout: float = math.inf,
    ) -> Generator[Any, Any, CallResult]:
        """Write the case's fields (``Status`` and the ERP's references) through the API."""
        case = self.cases[case_id(case_number)]
        return self._api.call(
            case.QuoteNumber, partial(self._write, case, fields, source_time), timeout
        )

    def _write(self, case: Case, fields: dict[str, str], source_time: float) -> CallResult:
        for name in ("RMA_Number__c", "Return_Site__c", "Refusal_Reason__c", "Credit_Memo__c"):
            if name in fields:
                setattr(case, name, fields[name])
        status = fields.get("Status")
        if status is not None and status != case.Status:
            case.Status = CaseStatus(status)
            self.record("case_status", order=case.QuoteNumber, status=status, value2=source_time)
            if case.Status is CaseStatus.AUTHORIZED:
                self.on_authorized(case)
        return _DONE
