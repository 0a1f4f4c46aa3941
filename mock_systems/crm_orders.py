"""The CRM's order object: orders that are not quotes, in the CRM's own dialect.

Two kinds of order reach the CRM's order view without a quote:

* **web-shop orders**: the commerce storefront (Salesforce B2B Commerce style, on the same
  org) places an ``Order`` at checkout, priced from the storefront's price book (the
  account's contract price, else the standard price book), with no rep and no validation
  step. Placing it is the order's acceptance, its time zero: ``crm.order_placed`` (the
  correlation number, channel, value and units) and ``crm.order_region``; it emits an
  :class:`OrderPlaced` outbound message on the org's outbound channel, which the
  integration carries to the ERP like a quote acceptance;
* **orders that began in the ERP** (EDI orders): the integration creates the ``Order``
  record through the API once it learns of the ERP order (``upsert_order``), an upsert by
  the ERP order number as external id, so a repeated call never makes a second record
  (``crm.order_record_created`` once per order).

Status fields are the same as on an accepted quote, so the integration's status writes
reach either kind of record.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import KW_ONLY, dataclass, field
from functools import partial
from typing import Any, NamedTuple

import simpy

from sim.engine import CallResult, Endpoint, Mailbox

__all__ = ["CrmOrder", "CrmOrders", "OrderItem", "OrderPlaced", "OrderView", "crm_order_id"]

_DONE = CallResult("ok")


class OrderItem(NamedTuple):
    """One ordered product (an ``OrderItem``)."""

    ProductCode: str
    Quantity: int
    UnitPrice: float


@dataclass(slots=True)
class OrderView:
    """What a CRM record that stands for an order holds of it: a quote or an order record.

    The identity fields, then the order's view the integration writes (status with its
    sequence, ERP order number, shipments, invoices), keyword-only.
    """

    Id: str
    Number: int
    AccountId: str
    Channel__c: str
    _: KW_ONLY
    Order_Status__c: str = ""
    Order_Status_Seq__c: int = 0
    Invoice_Status__c: str = ""
    ERP_Order_Number__c: str = ""
    Shipment_Status__c: dict[str, str] = field(default_factory=dict)
    Invoices__c: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class CrmOrder(OrderView):
    """An ``Order`` record that is not a quote: placed in the web shop, or from the ERP."""

    OrderItems: tuple[OrderItem, ...]
    EffectiveDate: float
    Status: str = "Activated"


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    """Outbound message sent when the web shop places an order at checkout."""

    OrderId: str
    OrderNumber: int
    AccountId: str
    PlacedDate: float


def crm_order_id(number: int) -> str:
    """The CRM record id of order ``number`` (an ``Order``, not a quote)."""
    return f"801{number:012d}"


class CrmOrders:
    """Mixin of the CRM's order object (the CRM provides the state used here)."""

    sim: simpy.Environment
    record: Callable[..., None]
    accounts: dict[str, Any]
    price_book: dict[str, float]
    contract_prices: dict[tuple[str, str], float]
    orders: dict[str, CrmOrder]
    outbound: Mailbox[Any]
    _api: Endpoint
    _by_erp_number: dict[str, str]
    _accounts_by_sold_to: dict[str, str]

    def web_price(self, account_id: str, product_code: str) -> float:
        """The storefront's price: the account's contract price, else the price book."""
        contract = self.contract_prices.get((account_id, product_code))
        return contract if contract is not None else self.price_book[product_code]

    def place_order(
        self, number: int, account_id: str, channel: str, lines: tuple[tuple[str, int], ...]
    ) -> CrmOrder:
        """The web shop's checkout: an activated order, time zero, and its outbound message."""
        account = self.accounts.get(account_id)
        if account is None:
            raise KeyError(f"unknown account {account_id}")
        items = tuple(OrderItem(code, qty, self.web_price(account_id, code)) for code, qty in lines)
        order = CrmOrder(crm_order_id(number), number, account_id, channel, items, self.sim.now)
        order.Order_Status__c = "ACCEPTED"
        if order.Id in self.orders:
            raise ValueError(f"order {order.Id} was already placed")
        self.orders[order.Id] = order
        self.record(
            "order_placed",
            order=number,
            status=channel,
            value=sum(item.Quantity * item.UnitPrice for item in items),
            value2=float(sum(item.Quantity for item in items)),
        )
        self.record("order_region", order=number, status=account.Region__c)
        self.outbound.put(OrderPlaced(order.Id, number, account_id, self.sim.now))
        return order

    @staticmethod
    def order_record_id(number: int) -> str:
        """The record id of order ``number``'s ``Order`` record."""
        return crm_order_id(number)

    def account_of_sold_to(self, sold_to: str) -> str | None:
        """The account linked to an ERP sold-to party (``ERP_Sold_To__c``), if any."""
        index = self._accounts_by_sold_to
        found = index.get(sold_to)
        if found is None or len(index) != len(self.accounts):
            # accounts are added, and linked to their ERP number later: look again
            index.clear()
            index.update({a.ERP_Sold_To__c: a.Id for a in self.accounts.values()})
            found = index.get(sold_to)
        return found

    def upsert_order(
        self,
        number: int,
        sold_to: str,
        channel: str,
        lines: tuple[tuple[str, int, float], ...],
        erp_order_number: str,
        timeout: float = math.inf,
    ) -> Generator[Any, Any, CallResult]:
        """Create the order record of an ERP order (upsert by ERP order number)."""
        return self._api.call(
            number,
            partial(self._upsert, number, sold_to, channel, lines, erp_order_number),
            timeout,
        )

    def _upsert(
        self,
        number: int,
        sold_to: str,
        channel: str,
        lines: tuple[tuple[str, int, float], ...],
        erp_order_number: str,
    ) -> CallResult:
        if erp_order_number in self._by_erp_number:
            return _DONE  # the external id exists: an update of what is already there
        account_id = self.account_of_sold_to(sold_to)
        if account_id is None:
            self.record("order_record_refused", order=number, status="unknown_account")
            return CallResult("rejected")
        order = CrmOrder(
            crm_order_id(number),
            number,
            account_id,
            channel,
            tuple(OrderItem(code, qty, price) for code, qty, price in lines),
            self.sim.now,
            ERP_Order_Number__c=erp_order_number,
        )
        self.orders[order.Id] = order
        self._by_erp_number[erp_order_number] = order.Id
        self.record("order_record_created", order=number, status=channel)
        return _DONE
