"""Read APIs of the mock ERP: a status query per order, a change extract, a read-back by key.

Each is an endpoint of its own, with its own cost and capacity (``systems.erp.endpoints``):

* ``order_status``: one order's status line, with the status of each of its deliveries (as
  the ERP knows it from tracking) and of each invoice (POSTED or PAID); a light call, what
  a polling job asks per open order;
* ``status_extract``: the status line of every order whose status, a delivery's tracking
  status or an invoice changed after a time, for a batch sync or a reconciliation job (one
  call, many orders);
* ``read_order``: the whole order read back by key (an OData GET with its deliveries and
  billing documents expanded): what a consumer of a notification event (keys only) reads;
* ``orders_created``: every order the ERP originated (EDI orders posted from IDocs, which
  the CRM does not know) created after a time, each read back whole: an "orders created
  since" query on the change extract's endpoint.

Each answers what the ERP holds when the call commits, or None for an unknown order.
:meth:`OrderReads.changes_after` is not an API: it is the harness peeking at the change log
(to judge whether a run ended quiescent), and costs nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator
from functools import partial
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import (
    DeliveryDocument,
    SalesOrder,
    SalesOrderDocument,
    StatusLine,
)
from sim.engine import Endpoint

__all__ = ["OrderReads"]

_Reply = Generator[Any, Any, Any]


class OrderReads(ErpState):
    """Mixin of the ERP's read APIs (the ERP provides the state used here)."""

    _order_status: Endpoint
    _status_extract: Endpoint
    _read_order: Endpoint
    _originated: list[tuple[float, str]]
    """(creation time, sales document) of every order the ERP originated, in order."""

    def order_status(self, customer_reference: int, timeout: float = math.inf) -> _Reply:
        """One order's status line with its deliveries' and invoices' statuses, or None."""
        return self._order_status.call(
            customer_reference, partial(self._line_of, customer_reference), timeout
        )

    def status_extract(self, since: float, timeout: float = math.inf) -> _Reply:
        """Status lines of the orders with a status, tracking or invoice change after ``since``."""
        return self._status_extract.call(-1, partial(self._changes_since, since), timeout)

    def read_order(self, customer_reference: int, timeout: float = math.inf) -> _Reply:
        """Read one order back by key: the whole order as it is now, or None."""
        return self._read_order.call(
            customer_reference,
            partial(self._document_of, customer_reference),
            timeout,
            self._lines_of(customer_reference),
        )

    def orders_created(self, since: float, timeout: float = math.inf) -> _Reply:
        """Every ERP-originated order created after ``since``, read back whole, oldest first."""
        return self._status_extract.call(-1, partial(self._created_since, since), timeout)

    def originated_after(self, since: float) -> int:
        """ERP-originated orders created after ``since`` (a peek, not an API)."""
        times = self._originated
        return len(times) - bisect_right(times, (since, "~"))

    def changes_after(self, since: float) -> int:
        """Changes the status extract would report after ``since`` (a peek, not an API)."""
        times = self._change_times
        return len(times) - bisect_right(times, since)

    # ------------------------------------------------------------------ answers
    def _created_since(self, since: float) -> list[SalesOrderDocument]:
        start = bisect_right(self._originated, (since, "~"))
        orders = self.orders  # an archived order (settled long ago) is no longer there
        found = (
            self._document_of(orders[d].customer_reference)
            for _, d in self._originated[start:]
            if d in orders
        )
        return [document for document in found if document is not None]

    def _changes_since(self, since: float) -> list[StatusLine]:
        start = bisect_right(self._change_times, since)
        documents = dict.fromkeys(self._change_documents[start:])
        orders = self.orders  # an archived order (settled long ago) is no longer there
        return [self._line(orders[d]) for d in documents if d in orders]

    def _line_of(self, customer_reference: int) -> StatusLine | None:
        document = self.by_reference.get(customer_reference)
        return self._line(self.orders[document]) if document is not None else None

    def _line(self, order: SalesOrder) -> StatusLine:
        deliveries = [self.deliveries[number] for number in order.deliveries]
        return StatusLine(
            order.customer_reference,
            order.status,
            order.version,
            order.sales_document,
            order.changed_at,
            tuple((d.delivery, d.status) for d in deliveries),
            tuple(
                (d.billing_document, d.delivery, self.invoices[d.billing_document].status)
                for d in deliveries
                if d.billing_document
            ),
        )

    def _document_of(self, customer_reference: int) -> SalesOrderDocument | None:
        document = self.by_reference.get(customer_reference)
        if document is None:
            return None
        order = self.orders[document]
        deliveries = [self.deliveries[number] for number in order.deliveries]
        return SalesOrderDocument(
            self._line(order),
            order.sold_to,
            order.plant,
            order.hold_reason,
            order.rejection_reason,
            tuple(
                DeliveryDocument(
                    d.delivery, d.number, d.plant, tuple(d.items), d.status, d.tracking_number
                )
                for d in deliveries
            ),
            tuple(self.invoices[d.billing_document] for d in deliveries if d.billing_document),
            order.channel,
            self.customers[order.sold_to].region,
            order.created_at,
            tuple((i.item_no, i.material, i.quantity, i.net_price) for i in order.items),
        )
