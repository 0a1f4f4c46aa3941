"""Billing of the mock ERP: invoices for issued deliveries and the customers' payments.

A delivery is invoiced when its goods are issued or when it is delivered, by the
``invoice_on`` policy. The invoice prices the delivered quantities at the order's net
prices and taxes them at the customer's regional rate; the customer pays it after the
payment terms, and the payment takes its net value off the customer's credit exposure and
marks the invoice PAID.

When a customer pays belongs to the order: the k-th invoice of an order reference is paid
after draw k of that reference in the keyed stream ``erp.payment``, whatever the invoice's
running number and however many other invoices were posted before it.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import (
    BillingDocument,
    BillingStatus,
    Delivery,
    SalesOrder,
)
from sim.engine import KeyedSampler

__all__ = ["Billing"]


class Billing(ErpState):
    """Mixin of the ERP's invoicing and payments (the ERP provides the state used here)."""

    _payment_time: KeyedSampler
    _payments: dict[int, int]
    """Invoices posted per order reference (``k`` of the keyed payment draws)."""

    def _invoice(self, order: SalesOrder, delivery: Delivery) -> None:
        prices = {item.item_no: item.net_price for item in order.items}
        items = tuple((n, m, q, prices[n]) for n, m, q in delivery.items)
        net = round(sum(q * p for _, _, q, p in items), 2)
        region = self.customers[order.sold_to].region
        tax = round(net * self.config.tax_rates[region], 2)  # untaxed regions are held
        document = str(90_000_000 + len(self.invoices))
        invoice = BillingDocument(
            document,
            order.sales_document,
            order.customer_reference,
            delivery.delivery,
            net,
            tax,
            items,
            self.sim.now,
        )
        self.invoices[document] = invoice
        delivery.billing_document = document
        self.record(
            "invoice_posted",
            order=order.customer_reference,
            subject=delivery.number,
            value=net,
            value2=tax,
        )
        self._changed(
            order,
            "InvoicePosted",
            {"billing_document": document, "net": net, "tax": tax, "delivery": delivery.delivery},
        )
        reference = order.customer_reference
        k = self._payments[reference] = self._payments.get(reference, 0) + 1
        self.sim.process(self._payment(invoice, self._payment_time(reference, k)))

    def _payment(self, invoice: BillingDocument, after: float) -> Generator[Any, Any, None]:
        yield self.sim.timeout(after)
        order = self.orders[invoice.sales_document]
        self.customers[order.sold_to].exposure -= invoice.net
        self.invoices[invoice.billing_document] = replace(invoice, status=BillingStatus.PAID)
        self.record(
            "payment_received",
            order=order.customer_reference,
            subject=self.deliveries[invoice.delivery].number,
            value=invoice.net,
        )
        self._changed(
            order,
            "PaymentReceived",
            {"billing_document": invoice.billing_document, "delivery": invoice.delivery},
        )
