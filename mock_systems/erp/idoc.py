"""IDoc inbound of the mock ERP: EDI orders (ORDERS05) received, checked and posted in batches.

A trading partner's EDI 850 reaches the ERP through a VAN or AS2 as an ``ORDERS`` IDoc and
never touches the CRM. Receipt is the order's acceptance, its time zero: the ERP records
``erp.idoc_received`` (the order's correlation number, channel, value and units) and
``erp.idoc_region``, and the IDoc waits with status 64 (ready to be posted).

The scheduled inbound job (RBDAPP01-style, every ``systems.erp.idoc.batch_interval_s``)
takes every waiting IDoc and posts them one after the other, each taking its processing
time as ERP background work (:meth:`ErpState._background_job`), so EDI orders are created
in groups at batch times. With ``batch_interval_s: null`` each IDoc is posted on receipt.
Posting creates sales orders as the create API does: while the ``create_order`` endpoint
is down (an ERP outage) no run starts (``erp.idoc_batch_deferred``) and the IDocs wait.

Posting runs the application checks first: an unknown or blocked customer or material
(``master_data_conflict``) or a price outside the ERP's tolerance (``pricing_mismatch``)
puts the IDoc in status 51 (application error, ``erp.idoc_error``) and notifies the EDI
coordinator's inbox (``idoc_errors``); nothing is created. A good IDoc creates the sales
order (``erp.order_created``; status 53) and the ERP announces it with an ``OrderCreated``
business event, since the CRM does not know it.

People handle an IDoc in error through the maintenance API: ``reprocess_idoc`` (BD87, after
correcting the prices to the ERP's and fixing master data) or ``close_idoc`` (status 68, no
further processing: the partner is told the order is rejected).

Changes to EDI orders (EDI 860) arrive the same way as ``ORDCHG`` IDocs
(:meth:`IdocInbound.receive_order_change`, ``erp.idoc_change_received``) and are posted in
the same inbound runs, after the orders: a cancellation cancels the sales order as
``cancel_order`` would (its backlog and credit exposure released, the ``OrderCancelled``
event published); a change the ERP cannot apply (no such order yet, a delivery already
exists) ends in status 51 (``erp.idoc_change_error``), answered to the partner, with no
order desk item.

A posting's duration belongs to the IDoc: the k-th posting of order ``n`` is draw k of
``n`` in the keyed stream ``erp.idoc``, the same under every pattern.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

from mock_systems.erp.masterdata import MasterData
from mock_systems.erp.records import RequestItem, SalesOrderRequest
from sim.engine import Endpoint, KeyedSampler, Mailbox

__all__ = [
    "IdocError",
    "IdocInbound",
    "IdocItem",
    "IdocStatus",
    "OrderChangeIdoc",
    "OrdersIdoc",
]


class IdocStatus:
    """The IDoc status codes the inbound uses (SAP's numbering)."""

    READY = "64"
    """Ready to be transferred to the application (waiting for the inbound job)."""
    ERROR = "51"
    """Application document not posted (an application check failed)."""
    POSTED = "53"
    """Application document posted: the sales order exists."""
    CLOSED = "68"
    """Error, no further processing (a person rejected the IDoc)."""


@dataclass(frozen=True, slots=True)
class IdocItem:
    """One item segment (E1EDP01): material, quantity and the partner's expected price."""

    MATNR: str
    MENGE: int
    VPREI: float


@dataclass(slots=True)
class OrdersIdoc:
    """An inbound ORDERS05 IDoc: the partner's purchase order in the ERP's inbound format.

    ``BELNR`` is the order's correlation number (given at receipt), ``PARTN`` the sold-to
    party, ``REGION`` the ship-to's sales region.
    """

    BELNR: int
    PARTN: str
    REGION: str
    items: tuple[IdocItem, ...]
    DOCNUM: int = 0
    STATUS: str = IdocStatus.READY
    error: str = ""
    attempts: int = 0


@dataclass(slots=True)
class OrderChangeIdoc:
    """An inbound ORDCHG IDoc: the partner's change to an order (EDI 860).

    ``BELNR`` is the order's correlation number; ``ACTION`` what changes (``cancel``: the
    whole order is cancelled, the 860's purpose code 01).
    """

    BELNR: int
    ACTION: str = "cancel"
    DOCNUM: int = 0
    STATUS: str = IdocStatus.READY


_WAIT_FOR_ERP_S = 60.0
"""assumption: how often an IDoc waiting for a down ERP is offered again (posted on receipt)."""

CHANGE_ACTIONS = frozenset({"cancel"})
"""The changes the ORDCHG inbound applies."""


@dataclass(frozen=True, slots=True)
class IdocError:
    """The ERP's notice of an IDoc in status 51, for the EDI coordinator's inbox."""

    DOCNUM: int
    BELNR: int
    reason: str


class IdocInbound(MasterData):
    """Mixin of the ERP's IDoc inbound (the ERP provides the state used here)."""

    _maintain: Endpoint
    _create: Endpoint
    _idoc_time: KeyedSampler
    idocs: dict[int, OrdersIdoc]
    """Every IDoc received, by correlation number."""
    _idoc_queue: list[OrdersIdoc]
    idoc_errors: Mailbox[IdocError]
    """Notices of IDocs in error (status 51), in the order they failed."""
    _change_queue: list[OrderChangeIdoc]
    _changes_received: int

    def _start_idoc_inbound(self) -> None:
        """Schedule the inbound job (none when IDocs are posted on receipt)."""
        if self.config.idoc.batch_interval_s is not None:
            self.sim.process(self._idoc_batches(self.config.idoc.batch_interval_s))

    def receive_idoc(self, idoc: OrdersIdoc) -> None:
        """An ORDERS IDoc arrives from the VAN: the order's acceptance, its time zero."""
        if idoc.BELNR in self.idocs:
            raise ValueError(f"an IDoc for order {idoc.BELNR} was already received")
        self.numbered["idocs"] += 1
        idoc.DOCNUM = self.numbered["idocs"]
        idoc.STATUS = IdocStatus.READY
        self.idocs[idoc.BELNR] = idoc
        self.record(
            "idoc_received",
            order=idoc.BELNR,
            subject=idoc.DOCNUM,
            status="edi",
            value=sum(item.MENGE * item.VPREI for item in idoc.items),
            value2=float(sum(item.MENGE for item in idoc.items)),
        )
        self.record("idoc_region", order=idoc.BELNR, status=idoc.REGION)
        if self.config.idoc.batch_interval_s is None:
            self.sim.process(self._post_now(idoc))
        else:
            self._idoc_queue.append(idoc)

    def receive_order_change(self, change: OrderChangeIdoc) -> None:
        """An ORDCHG IDoc arrives (EDI 860): posted in the next inbound run, after orders."""
        if change.ACTION not in CHANGE_ACTIONS:
            raise ValueError(f"no ORDCHG action {change.ACTION!r}; use {sorted(CHANGE_ACTIONS)}")
        self._changes_received += 1
        change.DOCNUM = -self._changes_received  # numbered apart from ORDERS IDocs
        change.STATUS = IdocStatus.READY
        self.record(
            "idoc_change_received", order=change.BELNR, subject=change.DOCNUM, status=change.ACTION
        )
        if self.config.idoc.batch_interval_s is None:
            self.sim.process(self._post_change_now(change))
        else:
            self._change_queue.append(change)

    # ------------------------------------------------------------------ posting
    def _idoc_batches(self, interval: float) -> Generator[Any, Any, None]:
        while True:
            yield self.sim.timeout(interval - self.sim.now % interval)
            if not self._idoc_queue and not self._change_queue:
                continue
            if not self._create.available:
                # posting creates sales orders as the create API does: while that is down
                # the run does not start, and the IDocs wait for the next one
                self.record("idoc_batch_deferred", value=float(len(self._idoc_queue)))
                continue
            batch, self._idoc_queue = self._idoc_queue, []
            changes, self._change_queue = self._change_queue, []
            self.record("idoc_batch", value=float(len(batch)), value2=float(len(changes)))
            for idoc in batch:
                yield from self._background_job("idoc_inbound", self._posting_time(idoc))
                self._post(idoc)
            for change in changes:
                yield from self._background_job("idoc_inbound", self._change_time(change))
                self._post_change(change)

    def _post_change_now(self, change: OrderChangeIdoc) -> Generator[Any, Any, None]:
        yield from self._background_job("idoc_inbound", self._change_time(change))
        self._post_change(change)

    def _change_time(self, change: OrderChangeIdoc) -> float:
        return self._idoc_time(change.BELNR, 1000 - change.DOCNUM)

    def _post_change(self, change: OrderChangeIdoc) -> None:
        """Apply an order change: the order cancelled, or status 51 and a row."""
        if not self._cancel_from_inbound(change.BELNR, "customer_cancelled"):
            change.STATUS = IdocStatus.ERROR
            reason = "no_order" if change.BELNR not in self.by_reference else "cancel_refused"
            self.record(
                "idoc_change_error", order=change.BELNR, subject=change.DOCNUM, status=reason
            )
            return
        change.STATUS = IdocStatus.POSTED
        self.record(
            "idoc_change_posted", order=change.BELNR, subject=change.DOCNUM, status=change.ACTION
        )

    def _cancel_from_inbound(self, customer_reference: int, reason: str) -> bool:
        """Cancel an order for a posted change (the maintenance part); True if cancelled."""
        raise NotImplementedError

    def _post_now(self, idoc: OrdersIdoc) -> Generator[Any, Any, None]:
        while not self._create.available:  # the sales order application is down
            yield self.sim.timeout(_WAIT_FOR_ERP_S)
        yield from self._background_job("idoc_inbound", self._posting_time(idoc))
        self._post(idoc)

    def _posting_time(self, idoc: OrdersIdoc) -> float:
        idoc.attempts += 1
        return self._idoc_time(idoc.BELNR, idoc.attempts)

    def _application_error(self, idoc: OrdersIdoc) -> str:
        """The first application check the IDoc fails, or ``""``."""
        if self._known_customer(idoc.PARTN) is None:
            return "master_data_conflict"
        if any(not self._orderable(item.MATNR) for item in idoc.items):
            return "master_data_conflict"
        tolerance = self.config.price_tolerance
        for item in idoc.items:
            price = self.price(idoc.PARTN, item.MATNR)
            if abs(price - item.VPREI) > tolerance * price:
                return "pricing_mismatch"
        return ""

    def _post(self, idoc: OrdersIdoc) -> bool:
        """Post one IDoc: the sales order, or status 51 and a notice; True if posted."""
        if idoc.STATUS in (IdocStatus.POSTED, IdocStatus.CLOSED):
            return idoc.STATUS == IdocStatus.POSTED
        reason = self._application_error(idoc)
        if reason:
            idoc.STATUS, idoc.error = IdocStatus.ERROR, reason
            self.record("idoc_error", order=idoc.BELNR, subject=idoc.DOCNUM, status=reason)
            self.idoc_errors.put(IdocError(idoc.DOCNUM, idoc.BELNR, reason))
            return False
        request = SalesOrderRequest(
            idoc.PARTN,
            idoc.BELNR,
            "edi",
            tuple(RequestItem(item.MATNR, item.MENGE, item.VPREI) for item in idoc.items),
        )
        idoc.STATUS, idoc.error = IdocStatus.POSTED, ""
        self.record("idoc_posted", order=idoc.BELNR, subject=idoc.DOCNUM)
        self._create_from_inbound(request)
        return True

    def _create_from_inbound(self, request: SalesOrderRequest) -> None:
        """Create the sales order of a posted IDoc (the order entry part)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ people's fixes
    def reprocess_idoc(
        self, customer_reference: int, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Post an IDoc in error again (BD87), its prices corrected to the ERP's.

        True once posted, False when a check still fails (it stays in status 51 and a new
        notice is raised) or when there is nothing to reprocess.
        """
        return self._maintain.call(
            customer_reference, partial(self._reprocess, customer_reference), timeout
        )

    def _reprocess(self, customer_reference: int) -> bool:
        idoc = self.idocs.get(customer_reference)
        if idoc is None or idoc.STATUS != IdocStatus.ERROR:
            return idoc is not None and idoc.STATUS == IdocStatus.POSTED
        if self._known_customer(idoc.PARTN) is not None:
            idoc.items = tuple(
                IdocItem(item.MATNR, item.MENGE, self.price(idoc.PARTN, item.MATNR))
                if item.MATNR in self.materials
                else item
                for item in idoc.items
            )
        return self._post(idoc)

    def close_idoc(
        self, customer_reference: int, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Reject an IDoc in error: status 68, no further processing; True if closed."""
        return self._maintain.call(
            customer_reference, partial(self._close, customer_reference), timeout
        )

    def _close(self, customer_reference: int) -> bool:
        idoc = self.idocs.get(customer_reference)
        if idoc is None or idoc.STATUS != IdocStatus.ERROR:
            return False
        idoc.STATUS = IdocStatus.CLOSED
        self.record("idoc_closed", order=idoc.BELNR, subject=idoc.DOCNUM, status=idoc.error)
        return True
