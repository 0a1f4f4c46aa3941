"""Billing of the mock ERP: the billing due list, invoices, and the customers' payments.

A delivery is due for billing when its goods are issued or when it is delivered, by the
``invoice_on`` policy. With ``billing_runs`` on (SAP VF04/VF06) it waits in the billing
due list (a ``billing_due`` row) for the next scheduled run: the run takes the deliveries
due when it starts and posts their invoices in packages, each package after its
background work (``_background_job("billing_run", ...)``); the run leaves a
``batch_started`` and a ``batch_finished`` row (status ``billing_run``, value: documents).
With it off, the invoice is posted at the billing event. The invoice prices the delivered
quantities at the order's net prices and taxes them at the customer's regional rate; the
customer pays it after the payment terms, and the payment takes its net value off the
customer's credit exposure and marks the invoice PAID.

When a customer pays belongs to the order: the k-th invoice of an order reference is paid
after draw k of that reference in the keyed stream ``erp.payment``, whatever the invoice's
running number and however many other invoices were posted before it.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from functools import partial
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import (
    BillingDocument,
    BillingStatus,
    Delivery,
    SalesOrder,
)
from sim.engine import KeyedSampler
from sim.engine.calendar import WorkCalendar
from sim.engine.schedule import next_start

__all__ = ["Billing"]


class Billing(ErpState):
    """Mixin of the ERP's invoicing and payments (the ERP provides the state used here)."""

    _payment_time: KeyedSampler
    _payments: dict[int, int]
    """Invoices posted per order reference (``k`` of the keyed payment draws)."""
    calendar: WorkCalendar
    _billing_due: list[str]
    """The billing due list: deliveries due for billing, in the order they became due."""

    def _invoice(self, order: SalesOrder, delivery: Delivery) -> None:
        """The delivery is due for billing: into the due list, or invoiced at once."""
        if self.config.billing_runs.enabled:
            self._billing_due.append(delivery.delivery)
            self.record("billing_due", order=order.customer_reference, subject=delivery.number)
        else:
            self._post_invoice(order, delivery)

    def _billing_loop(self) -> Generator[Any, Any, None]:
        """Scheduled billing runs: each bills the deliveries due when it starts."""
        runs = self.config.billing_runs
        windows = runs.schedule.windows()
        sim = self.sim
        while True:
            yield sim.timeout(next_start(self.calendar, windows, sim.now) - sim.now)
            due, self._billing_due = self._billing_due, []
            if not due:
                continue
            started = sim.now
            self.record("batch_started", status="billing_run", value=float(len(due)))
            yield from self._background_job("billing_run", runs.setup_s)
            size = runs.package_size
            for first in range(0, len(due), size):
                package = due[first : first + size]
                yield from self._background_job(
                    "billing_run", len(package) * runs.seconds_per_document
                )
                for number in package:
                    delivery = self.deliveries[number]
                    self._post_invoice(self.orders[delivery.sales_document], delivery)
            self.record(
                "batch_finished",
                status="billing_run",
                value=float(len(due)),
                value2=sim.now - started,
            )

    def _post_invoice(self, order: SalesOrder, delivery: Delivery) -> None:
        prices = {item.item_no: item.net_price for item in order.items}
        items = tuple((n, m, q, prices[n]) for n, m, q in delivery.items)
        net = round(sum(q * p for _, _, q, p in items), 2)
        region = self.customers[order.sold_to].region
        tax = round(net * self.config.tax_rates[region], 2)  # untaxed regions are held
        document = str(90_000_000 + self.numbered["invoices"])
        self.numbered["invoices"] += 1
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
        # the payment is a timer's callback, not a process: tens of thousands of invoices
        # are open at once in a long run, and a waiting process costs a generator frame
        payment = self.sim.timeout(self._payment_time(reference, k))
        payment.callbacks.append(partial(self._payment, invoice))

    def _payment(self, invoice: BillingDocument, _timer: object = None) -> None:
        """The customer pays ``invoice`` (its payment timer went off)."""
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
