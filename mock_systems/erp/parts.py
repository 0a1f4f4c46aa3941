"""What the ERP's parts share: its state, and the steps one part asks of another.

Each part of the ERP (status, master data, credit, allocation, deliveries, billing,
maintenance, reads) is a mixin of :class:`~mock_systems.erp.system.Erp`. They all derive
from :class:`ErpState`, which declares the state they share and the cross-part steps as
stubs. Being the common base, it comes last in the method resolution order, so a part's
real implementation always wins whatever order ``Erp`` lists its parts in.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from mock_systems.erp.config import ErpConfig
from mock_systems.erp.inventory import Inventory
from mock_systems.erp.records import BillingDocument, Delivery, ErpCustomer, SalesOrder

__all__ = ["ErpState"]


class ErpState:
    """The ERP state every part may read, and the steps parts ask of each other."""

    sim: simpy.Environment
    config: ErpConfig
    orders: dict[str, SalesOrder]
    deliveries: dict[str, Delivery]
    customers: dict[str, ErpCustomer]
    invoices: dict[str, BillingDocument]
    inventory: Inventory
    by_reference: dict[int, str]
    numbered: dict[str, int]
    _allocation_queue: list[str]
    _backorders: list[str]
    _change_times: list[float]
    _change_documents: list[str]
    record: Callable[..., None]

    def _lines_of(self, customer_reference: int) -> int:
        """Order lines of the ERP order behind ``customer_reference`` (0 if none yet)."""
        document = self.by_reference.get(customer_reference)
        return 0 if document is None else len(self.orders[document].items)

    def _background_job(self, job: str, seconds: float) -> Generator[Any, Any, None]:
        """Run ``seconds`` of a batch job's work (allocation run, billing run, IDoc inbound).

        Every batch job of the ERP runs through here, so the capacity its work takes is
        modelled in one place; by default the job only takes its time.
        """
        yield self.sim.timeout(seconds)

    def _tell_if_settled(self, order: SalesOrder) -> None:
        """Tell ``on_settled`` if ``order`` is now settled (:mod:`.archive`)."""

    def _changed(
        self,
        order: SalesOrder,
        event: str,
        detail: dict[str, Any],
        occurred_at: float | None = None,
    ) -> None:
        """Re-derive the order's status and publish the event (the status part)."""
        raise NotImplementedError

    def _accept(self, order: SalesOrder) -> None:
        """Take a created order into credit exposure and allocation (the credit part)."""
        raise NotImplementedError

    def _confirm_delivery(self, order: SalesOrder) -> None:
        """Confirm a new order's delivery date (the scheduling part)."""
        raise NotImplementedError

    def _invoice(self, order: SalesOrder, delivery: Delivery) -> None:
        """Bill a delivery (the billing part)."""
        raise NotImplementedError
