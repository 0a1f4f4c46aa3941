"""CRM adapter: Salesforce-style quotes, orders and fields <-> canonical orders and statuses.

Canonical in, canonical out: the integration core takes each accepted quote and each
web-shop order as an :class:`Order` (:meth:`CrmAdapter.deliver_accepted_orders`), creates
the CRM order record of an order that began in the ERP (:meth:`CrmAdapter.create_order`)
and writes verdicts and statuses in canonical terms; quotes, order records, accounts and
``__c`` fields stay inside this module. The adapter keeps the cross-reference from each
order to its CRM record (a quote or an order), learnt as orders come from the CRM or are
created in it: :meth:`CrmAdapter.has_record` tells whether the CRM knows an order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from mock_systems.crm import AccountCreated, Crm, OrderAmendmentRequested, QuoteAccepted
from mock_systems.crm_orders import OrderPlaced
from sim.engine import CallResult
from sim.integration.canonical import (
    AmendmentKind,
    Channel,
    Customer,
    ListPrice,
    Order,
    OrderAmendment,
    OrderLine,
    OrderStatus,
    ValidationResult,
)

__all__ = ["CrmAdapter"]


class CrmAdapter:
    """Maps the CRM's dialect to the canonical model and back."""

    def __init__(self, crm: Crm) -> None:
        self.crm = crm
        self._record_of: dict[int, str] = {}
        """Each order's CRM record id: its quote, or its order record."""
        self._quotes: set[int] = set()
        """Orders that are quotes (a rep waits for the validation verdict)."""

    def deliver_accepted_orders(self, consumer: Callable[[Order], None]) -> None:
        """Hand each accepted quote to ``consumer`` as an order, at the instant it is sent.

        The CRM's outbox pushes (no event per message), so the consumer must not wait; it
        starts a process, submits a flow or publishes.
        """
        order_from = self.order_from
        self.crm.outbound.deliver_to(lambda message: consumer(order_from(message)))

    def order_from(self, message: QuoteAccepted | OrderPlaced) -> Order:
        """The canonical order behind an accepted quote or a web-shop order."""
        if isinstance(message, QuoteAccepted):
            quote = self.crm.quotes[message.QuoteId]
            record_id, number = quote.Id, quote.Number
            items = [(i.ProductCode, i.Quantity, i.UnitPrice) for i in quote.LineItems]
            account_id, channel, accepted_at = (
                quote.AccountId,
                quote.Channel__c,
                message.AcceptedDate,
            )
            self._quotes.add(number)
        else:
            placed = self.crm.orders[message.OrderId]
            record_id, number = placed.Id, placed.Number
            items = [(i.ProductCode, i.Quantity, i.UnitPrice) for i in placed.OrderItems]
            account_id, channel, accepted_at = (
                placed.AccountId,
                placed.Channel__c,
                message.PlacedDate,
            )
        account = self.crm.accounts[account_id]
        self._record_of[number] = record_id
        return Order(
            correlation_id=f"O{number:08d}",
            order_ref=number,
            # before the ERP's number is written back, the order names the CRM account
            customer_id=account.ERP_Sold_To__c or account.Id,
            channel=Channel(channel),
            region=account.Region__c,
            accepted_at=accepted_at,
            lines=tuple(
                OrderLine(line_no=n, sku=sku, quantity=quantity, unit_price=price)
                for n, (sku, quantity, price) in enumerate(items, start=1)
            ),
        )

    def deliver_amendments(self, consumer: Callable[[OrderAmendment], None]) -> None:
        """Hand each customer amendment the CRM records to ``consumer`` (must not wait)."""
        self.crm.amendments.deliver_to(lambda message: consumer(_amendment(message)))

    def has_record(self, order_ref: int) -> bool:
        """True when the CRM has a record of this order (a quote or an order)."""
        return order_ref in self._record_of

    def forget_order(self, order_ref: int) -> None:
        """Forget an archived order's CRM record (the CRM forgot it too)."""
        self._record_of.pop(order_ref, None)
        self._quotes.discard(order_ref)

    def awaits_verdict(self, order_ref: int) -> bool:
        """True when a rep waits for the order's validation verdict (it is a quote)."""
        return order_ref in self._quotes

    def create_order(
        self, order: Order, erp_order_number: str, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Create the CRM order record of an order that began in the ERP (an upsert)."""
        call: CallResult = yield from self.crm.upsert_order(
            order.order_ref,
            order.customer_id,
            order.channel.value,
            tuple((line.sku, line.quantity, line.unit_price) for line in order.lines),
            erp_order_number,
            timeout,
        )
        if call.ok:
            self._record_of[order.order_ref] = self.crm.order_record_id(order.order_ref)
        return call

    def show_validation(
        self, result: ValidationResult, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Put the validation verdict on the rep's quote."""
        verdict = "OK" if result.ok else "; ".join(result.reasons)
        if result.provisional:
            verdict += " (provisional)"
        return self.crm.show_validation(self._record_of[result.order_ref], verdict, timeout)

    def order_statuses(
        self, order_refs: tuple[int, ...], timeout: float = math.inf
    ) -> Generator[Any, Any, dict[int, tuple[str, int]] | CallResult]:
        """What CRM shows for several orders: order_ref -> (status, status sequence)."""
        return self.crm.read_orders(order_refs, timeout)

    def update_status(
        self,
        order_ref: int,
        *,
        status: OrderStatus | None,
        source_time: float,
        sequence: int | None = None,
        erp_order_number: str | None = None,
        shipment: tuple[int, OrderStatus] | None = None,
        invoice: tuple[int, str] | None = None,
        timeout: float = math.inf,
    ) -> Generator[Any, Any, CallResult]:
        """Write order status, one shipment's status and one invoice's status in one call."""
        fields: dict[str, Any] = {}
        if status is not None:
            fields["Order_Status__c"] = status.value
        if sequence is not None:
            fields["Order_Status_Seq__c"] = sequence
        if erp_order_number:
            fields["ERP_Order_Number__c"] = erp_order_number
        if shipment is not None:
            fields["Shipment__c"] = (shipment[0], shipment[1].value)
        if invoice is not None:
            fields["Invoice__c"] = invoice
        return self.crm.update_order(self._record_of[order_ref], fields, source_time, timeout)

    # ------------------------------------------------------------ master data
    def deliver_new_accounts(self, consumer: Callable[[Customer], None]) -> None:
        """Hand each account sent for replication to ``consumer`` as a canonical customer.

        Like the order outbox, this pushes: the consumer must not wait.
        """
        customer_from = self.customer_from
        self.crm.account_outbound.deliver_to(lambda message: consumer(customer_from(message)))

    def customer_from(self, message: AccountCreated) -> Customer:
        """The canonical customer behind an account."""
        account = self.crm.accounts[message.AccountId]
        return Customer(
            customer_id=account.Id,
            name=account.Name,
            region=account.Region__c,
            reference=account.AccountNumber,
            erp_number=account.ERP_Sold_To__c,
            created_at=message.CreatedDate,
        )

    def link_account(
        self, customer: Customer, erp_number: str, source_time: float, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Write the ERP's sold-to number back on the account."""
        return self.crm.link_account(customer.customer_id, erp_number, source_time, timeout)

    def update_price(
        self, price: ListPrice, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Write a list price into the CRM price book."""
        return self.crm.update_price(price.sku, price.unit_price, price.changed_at, timeout)


def _amendment(message: OrderAmendmentRequested) -> OrderAmendment:
    """The canonical amendment behind the CRM's message."""
    return OrderAmendment(
        order_ref=message.QuoteNumber,
        kind=AmendmentKind(message.Kind__c),
        line_no=message.Line__c,
        quantity=message.Quantity__c,
        requested_at=message.RequestedDate,
    )
