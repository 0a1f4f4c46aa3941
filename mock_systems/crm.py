"""The mock CRM (Salesforce-like): accounts, quotes, acceptance and the rep's status view.

Native dialect: ``Account``, ``Quote`` with ``QuoteLineItem``s and Salesforce-style field
names. Accepting a quote starts an order (time zero) and emits a ``QuoteAccepted`` outbound
message on ``outbound``. Orders that are not quotes (web-shop checkouts, orders that began
in the ERP) are ``Order`` records (:mod:`mock_systems.crm_orders`); the order view shows
both, and the status writes reach both. A customer's later change or cancellation of an
accepted order is recorded on its quote or order record and emitted as an
``OrderAmendmentRequested`` message on ``amendments`` for the integration to take to the
ERP. The integration writes the rep's
view back through the API endpoint, which carries Salesforce's limits: a rolling 24-hour
allocation of 100,000 + 1,000 per licence and 25 concurrent long-running requests.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from mock_systems.base import MockSystem
from mock_systems.crm_locking import RecordLocking, account_lock, lock_account_writes
from mock_systems.crm_orders import CrmOrder, CrmOrders, OrderPlaced, OrderView, crm_order_id
from sim.engine import (
    CallResult,
    EndpointSpec,
    LogNormal,
    Mailbox,
    RunEnvironment,
    throttle_preset,
)

_DONE = CallResult("ok")
"""The answer of a CRM write that was applied."""

__all__ = [
    "CrmConfig",
    "Account",
    "AccountCreated",
    "QuoteLineItem",
    "Quote",
    "QuoteAccepted",
    "OrderAmendmentRequested",
    "Crm",
    "quote_id",
]


class CrmConfig(BaseModel):
    """Settings of the mock CRM."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enterprise_licences: int = Field(default=150, ge=0)
    api: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=0.4, cv=0.5),
        concurrency=200,  # assumption: the org's app servers are not the bottleneck
    )

    record_locking: RecordLocking = RecordLocking()

    def api_spec(self) -> EndpointSpec:
        """The API endpoint; without explicit limits, Salesforce's documented ones.

        Salesforce meters an org's API in two ways (DOMAIN.md): a rolling 24-hour allocation
        of 100,000 + 1,000 per Enterprise licence, and at most 25 concurrent requests that
        have run for 20 s or more; shorter requests are not capped.
        """
        if self.api.rate_limit is not None or self.api.throttle is not None:
            return self.api
        return self.api.model_copy(
            update={"throttle": throttle_preset("salesforce", licences=self.enterprise_licences)}
        )


@dataclass(slots=True)
class Account:
    """A customer account; ``ERP_Sold_To__c`` links it to the ERP."""

    Id: str
    Name: str
    Region__c: str
    ERP_Sold_To__c: str
    AccountNumber: int = -1
    """The account's number (kept on history rows)."""
    CreatedDate: float = 0.0


@dataclass(frozen=True, slots=True)
class AccountCreated:
    """Outbound message sent when an account is created (or its replication is re-sent)."""

    AccountId: str
    CreatedDate: float


class QuoteLineItem(NamedTuple):
    """One quoted product."""

    ProductCode: str
    Quantity: int
    UnitPrice: float


@dataclass(slots=True)
class Quote(OrderView):
    """A quote; once accepted it carries the rep's view of the order."""

    LineItems: tuple[QuoteLineItem, ...]
    Status: str = "Draft"
    AcceptedDate: float = -1.0
    Validation_Result__c: str = ""


@dataclass(frozen=True, slots=True)
class QuoteAccepted:
    """Outbound message sent when a quote is accepted."""

    QuoteId: str
    QuoteNumber: int
    AccountId: str
    AcceptedDate: float


@dataclass(frozen=True, slots=True)
class OrderAmendmentRequested:
    """Outbound message sent when a customer changes or cancels an accepted order.

    ``Kind__c`` is ``change`` (line ``Line__c``, 1-based, to ``Quantity__c``; 0 removes the
    line) or ``cancel``.
    """

    QuoteId: str
    QuoteNumber: int
    Kind__c: str
    Line__c: int
    Quantity__c: int
    RequestedDate: float


def quote_id(number: int) -> str:
    """The CRM record id of quote ``number``."""
    return f"0Q0{number:012d}"


class Crm(CrmOrders, MockSystem):
    """Holds accounts and quotes and shows sales reps what the integration tells it."""

    OPERATIONS: ClassVar[tuple[str, ...]] = ("api",)

    def __init__(self, run: RunEnvironment, config: CrmConfig) -> None:
        super().__init__(run, "crm")
        self.config = config
        self.accounts: dict[str, Account] = {}
        self.quotes: dict[str, Quote] = {}
        self.price_book: dict[str, float] = {}
        self.contract_prices: dict[tuple[str, str], float] = {}
        self.account_outbound: Mailbox[AccountCreated] = Mailbox(run.sim)
        """Accounts created (or re-sent) for replication to the ERP."""
        self.product_numbers: dict[str, int] = {}
        """Each price book entry's number, in the order entries were first set."""
        self.orders: dict[str, CrmOrder] = {}
        self._by_erp_number: dict[str, str] = {}
        self._accounts_by_sold_to: dict[str, str] = {}
        self.outbound: Mailbox[QuoteAccepted | OrderPlaced] = Mailbox(run.sim)
        self.amendments: Mailbox[OrderAmendmentRequested] = Mailbox(run.sim)
        self._api = self.endpoint("api", config.api_spec())
        self._locking = lock_account_writes(self._api, config.record_locking)

    def add_account(self, account: Account) -> None:
        """Create an account (data load, no simulated time)."""
        self.accounts[account.Id] = account

    def set_price(self, product_code: str, unit_price: float) -> None:
        """Set the price book entry reps quote from (data load, no simulated time)."""
        self.price_book[product_code] = unit_price
        self.product_numbers.setdefault(product_code, len(self.product_numbers))

    # ----------------------------------------------------------------- master data flow
    def create_account(self, account: Account) -> None:
        """A rep creates an account: it exists at once and is sent for replication."""
        account.CreatedDate = self.sim.now
        self.accounts[account.Id] = account
        self.record("account_created", subject=account.AccountNumber)
        self.account_outbound.put(AccountCreated(account.Id, self.sim.now))

    def resend_account(self, account_id: str) -> None:
        """An administrator sends an account for replication again (its partner is missing)."""
        account = self.accounts[account_id]
        self.record("account_resent", subject=account.AccountNumber)
        self.account_outbound.put(AccountCreated(account.Id, self.sim.now))

    def link_account(
        self, account_id: str, sold_to: str, source_time: float, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Write the ERP's sold-to number back on the account (``ERP_Sold_To__c``)."""
        account = self.accounts[account_id]
        return self._api.call(-1, partial(self._link, account, sold_to, source_time), timeout)

    def _link(self, account: Account, sold_to: str, source_time: float) -> CallResult:
        if account.ERP_Sold_To__c != sold_to:
            account.ERP_Sold_To__c = sold_to
            self.record(
                "account_linked",
                subject=account.AccountNumber,
                value=float(sold_to),
                value2=source_time,
            )
        return _DONE

    def update_price(
        self, product_code: str, unit_price: float, source_time: float, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Write a list price into the price book (``source_time``: when it changed)."""
        return self._api.call(
            -1, partial(self._write_price, product_code, unit_price, source_time), timeout
        )

    def _write_price(self, product_code: str, unit_price: float, source_time: float) -> CallResult:
        self.price_book[product_code] = unit_price
        number = self.product_numbers.setdefault(product_code, len(self.product_numbers))
        self.record("price_updated", subject=number, value=unit_price, value2=source_time)
        return _DONE

    def set_contract_price(self, account_id: str, product_code: str, unit_price: float) -> None:
        """Set an account-specific price (the CPQ contract price)."""
        self.contract_prices[(account_id, product_code)] = unit_price

    def create_quote(
        self, number: int, account_id: str, channel: str, lines: tuple[tuple[str, int], ...]
    ) -> Quote:
        """Draft a quote priced from the contract prices, else the price book."""
        if account_id not in self.accounts:
            raise KeyError(f"unknown account {account_id}")
        contracts = self.contract_prices
        items = tuple(
            QuoteLineItem(code, qty, contracts.get((account_id, code), self.price_book[code]))
            for code, qty in lines
        )
        quote = Quote(quote_id(number), number, account_id, channel, items)
        self.quotes[quote.Id] = quote
        return quote

    def accept_quote(self, quote_id: str) -> None:
        """The rep or the web shop commits: time zero of the order."""
        quote = self.quotes[quote_id]
        if quote.Status == "Accepted":
            raise ValueError(f"quote {quote_id} is already accepted")
        quote.Status = "Accepted"
        quote.AcceptedDate = self.sim.now
        quote.Order_Status__c = "ACCEPTED"
        account = self.accounts[quote.AccountId]
        if not account.ERP_Sold_To__c:  # an order of an account the ERP may not know yet
            self.record("quote_unlinked_account", order=quote.Number, subject=account.AccountNumber)
        value = sum(item.Quantity * item.UnitPrice for item in quote.LineItems)
        units = sum(item.Quantity for item in quote.LineItems)
        self.record(
            "quote_accepted",
            order=quote.Number,
            status=quote.Channel__c,
            value=value,
            value2=float(units),
        )
        self.record("quote_region", order=quote.Number, status=account.Region__c)
        self.outbound.put(QuoteAccepted(quote.Id, quote.Number, quote.AccountId, self.sim.now))

    def forget_order(self, number: int) -> None:
        """Forget a settled order's quote or order record (the ERP archived the order)."""
        self.quotes.pop(quote_id(number), None)
        order = self.orders.pop(crm_order_id(number), None)
        if order is not None and order.ERP_Order_Number__c:
            self._by_erp_number.pop(order.ERP_Order_Number__c, None)

    def request_amendment(self, number: int, kind: str, line: int, quantity: int) -> None:
        """The customer changes (``change``) or cancels (``cancel``) accepted order ``number``.

        Recorded as ``crm.amendment_requested`` (subject = line, value = new quantity) and
        sent on ``amendments``; an order the CRM does not know is recorded as refused.
        """
        quote = self.quotes.get(quote_id(number))
        record: OrderView | None = quote
        if quote is None or quote.Status != "Accepted":
            # an order that is not a quote: a web-shop order or one that began in the ERP
            record = self.orders.get(crm_order_id(number))
        if record is None:
            self.record("amendment_refused", order=number, status=kind)
            return
        self.record(
            "amendment_requested", order=number, subject=line, status=kind, value=float(quantity)
        )
        self.amendments.put(
            OrderAmendmentRequested(record.Id, number, kind, line, quantity, self.sim.now)
        )

    def show_validation(
        self, quote_id: str, result: str, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Write the validation result the rep sees on the quote."""
        quote = self.quotes[quote_id]
        return self._api.call(
            quote.Number, partial(self._show, quote, result), timeout, 0, self._locks(quote)
        )

    def _locks(self, quote: OrderView) -> tuple[str, ...]:
        """The records a write to ``quote`` locks: its account (record-level locking)."""
        return account_lock(quote.AccountId) if self._locking else ()

    def _show(self, quote: Quote, result: str) -> CallResult:
        quote.Validation_Result__c = result
        self.record("validation_shown", order=quote.Number, status=result)
        return _DONE

    def read_orders(
        self, numbers: tuple[int, ...], timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | dict[int, tuple[str, int]]]:
        """One query for several quotes: quote number -> (order status, status sequence)."""
        return self._api.call(-1, partial(self._read, numbers), timeout)

    def _read(self, numbers: tuple[int, ...]) -> dict[int, tuple[str, int]]:
        quotes, orders = self.quotes, self.orders
        found = (quotes.get(quote_id(n)) or orders.get(crm_order_id(n)) for n in numbers)
        return {q.Number: (q.Order_Status__c, q.Order_Status_Seq__c) for q in found if q}

    def update_order(
        self,
        quote_id: str,
        fields: dict[str, Any],
        source_time: float,
        timeout: float = math.inf,
    ) -> Generator[Any, Any, CallResult]:
        """Update order fields on a quote or an order record; it stores whatever it is sent.

        ``source_time`` is when the change happened at its source, kept for lag metrics.
        """
        quote = self.quotes.get(quote_id) or self.orders[quote_id]
        return self._api.call(
            quote.Number,
            partial(self._write_order, quote, fields, source_time),
            timeout,
            0,
            self._locks(quote),
        )

    def _write_order(
        self, quote: OrderView, fields: dict[str, Any], source_time: float
    ) -> CallResult:
        status = fields.get("Order_Status__c")
        if status is not None and status != quote.Order_Status__c:
            quote.Order_Status__c = status
            self.record("status_updated", order=quote.Number, status=status, value2=source_time)
        if "Order_Status_Seq__c" in fields:
            quote.Order_Status_Seq__c = int(fields["Order_Status_Seq__c"])
        if "ERP_Order_Number__c" in fields:
            quote.ERP_Order_Number__c = str(fields["ERP_Order_Number__c"])
        invoice = fields.get("Invoice__c")
        if invoice is not None:
            number, invoice_status = int(invoice[0]), str(invoice[1])
            quote.Invoices__c[str(number)] = invoice_status
            statuses = set(quote.Invoices__c.values())
            quote.Invoice_Status__c = "PAID" if statuses == {"PAID"} else "POSTED"
            self.record(
                "invoice_status_updated",
                order=quote.Number,
                subject=number,
                status=invoice_status,
                value2=source_time,
            )
        shipment = fields.get("Shipment__c")
        if shipment is not None:
            number, shipment_status = int(shipment[0]), str(shipment[1])
            quote.Shipment_Status__c[str(number)] = shipment_status
            self.record(
                "shipment_updated",
                order=quote.Number,
                subject=number,
                status=shipment_status,
                value2=source_time,
            )
        return _DONE
