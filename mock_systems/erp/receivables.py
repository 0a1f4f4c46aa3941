"""Opening receivables of the mock ERP: invoices open at time zero, paid on their terms.

A warm world starts with each customer owing the invoices of the weeks before time zero
(and the open orders not invoiced yet). They are light records, not billing documents of
orders in this run: an open item is a customer, an amount and the instant its payment
arrives. Opening one adds its amount to the customer's credit exposure
(``receivable_opened``: subject = customer number, value = amount, value2 = when it is
paid); its payment takes the amount off again (``receivable_paid``). One process collects
them all in due order.

This is kept apart from :mod:`mock_systems.erp.billing`, which bills the run's own deliveries.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from mock_systems.erp.parts import ErpState

__all__ = ["OpeningReceivables"]


class OpeningReceivables(ErpState):
    """Mixin of the ERP's opening open items (the ERP provides the state used here)."""

    _open_items: list[tuple[float, str, float]]
    """(paid at, sold-to, amount) of the open items, in the order they were opened."""

    def open_item(self, sold_to: str, amount: float, paid_at: float) -> None:
        """An invoice open at time zero: exposure now, paid at ``paid_at`` (simulated s)."""
        customer = self.customers[sold_to]
        customer.exposure += amount
        self.record("receivable_opened", subject=customer.number, value=amount, value2=paid_at)
        if not self._open_items:
            self.sim.process(self._collect())
        self._open_items.append((paid_at, sold_to, amount))

    def _collect(self) -> Generator[Any, Any, None]:
        """Take each open item's payment when it arrives (earliest first)."""
        yield self.sim.timeout(0)
        items = sorted(self._open_items, key=lambda item: item[0])
        self._open_items = []
        for paid_at, sold_to, amount in items:
            if paid_at > self.sim.now:
                yield self.sim.timeout(paid_at - self.sim.now)
            customer = self.customers[sold_to]
            customer.exposure -= amount
            self.record("receivable_paid", subject=customer.number, value=amount)
