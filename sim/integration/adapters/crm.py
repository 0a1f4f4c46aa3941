"""CRM adapter: Salesforce-style quotes and fields <-> canonical orders and statuses.

Canonical in, canonical out: the integration core takes each accepted quote as an
:class:`Order` (:meth:`CrmAdapter.deliver_accepted_orders`) and writes verdicts and
statuses in canonical terms; quotes, accounts and ``__c`` fields stay inside this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from mock_systems.crm import Crm, OrderAmendmentRequested, QuoteAccepted
from sim.engine import CallResult
from sim.integration.canonical import (
    AmendmentKind,
    Channel,
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
        self._quote_of: dict[int, str] = {}

    def deliver_accepted_orders(self, consumer: Callable[[Order], None]) -> None:
        """Hand each accepted quote to ``consumer`` as an order, at the instant it is sent.

        The CRM's outbox pushes (no event per message), so the consumer must not wait; it
        starts a process, submits a flow or publishes.
        """
        order_from = self.order_from
        self.crm.outbound.deliver_to(lambda message: consumer(order_from(message)))

    def deliver_amendments(self, consumer: Callable[[OrderAmendment], None]) -> None:
        """Hand each customer amendment the CRM records to ``consumer`` (must not wait)."""
        self.crm.amendments.deliver_to(lambda message: consumer(_amendment(message)))

    def order_from(self, message: QuoteAccepted) -> Order:
        """The canonical order behind an accepted quote."""
        quote = self.crm.quotes[message.QuoteId]
        account = self.crm.accounts[quote.AccountId]
        self._quote_of[quote.Number] = quote.Id
        return Order(
            correlation_id=f"O{quote.Number:08d}",
            order_ref=quote.Number,
            customer_id=account.ERP_Sold_To__c,
            channel=Channel(quote.Channel__c),
            region=account.Region__c,
            accepted_at=message.AcceptedDate,
            lines=tuple(
                OrderLine(
                    line_no=n,
                    sku=item.ProductCode,
                    quantity=item.Quantity,
                    unit_price=item.UnitPrice,
                )
                for n, item in enumerate(quote.LineItems, start=1)
            ),
        )

    def show_validation(
        self, result: ValidationResult, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Put the validation verdict on the rep's quote."""
        verdict = "OK" if result.ok else "; ".join(result.reasons)
        if result.provisional:
            verdict += " (provisional)"
        call: CallResult = yield from self.crm.show_validation(
            self._quote_of[result.order_ref], verdict, timeout
        )
        return call

    def order_statuses(
        self, order_refs: tuple[int, ...], timeout: float = math.inf
    ) -> Generator[Any, Any, dict[int, tuple[str, int]] | CallResult]:
        """What CRM shows for several orders: order_ref -> (status, status sequence)."""
        answer: dict[int, tuple[str, int]] | CallResult = yield from self.crm.read_orders(
            order_refs, timeout
        )
        return answer

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
        call: CallResult = yield from self.crm.update_order(
            self._quote_of[order_ref], fields, source_time, timeout
        )
        return call


def _amendment(message: OrderAmendmentRequested) -> OrderAmendment:
    """The canonical amendment behind the CRM's message."""
    return OrderAmendment(
        order_ref=message.QuoteNumber,
        kind=AmendmentKind(message.Kind__c),
        line_no=message.Line__c,
        quantity=message.Quantity__c,
        requested_at=message.RequestedDate,
    )
