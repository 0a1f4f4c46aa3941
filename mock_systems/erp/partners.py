"""Business partner inbound and price reads of the mock ERP: the master data it exchanges.

* :meth:`BusinessPartners.create_business_partner`: a CRM account replicated as a business
  partner (sold-to). Idempotent by the CRM account id: a repeated request returns the
  partner created first. A customer the ERP holds as pending (not yet received) is
  activated. While a data steward's block (``partner_block``) covers the account, the
  request is refused (``partner_blocked``) and must be sent again later.
* :meth:`BusinessPartners.read_prices` / :meth:`BusinessPartners.prices_changed_since`:
  list prices by material, or every material whose price changed after a time (the
  condition-record extract); each answer carries when the price last changed.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import ErpCustomer, ErpMaterial
from sim.engine import CallResult, Endpoint

__all__ = ["BusinessPartners", "PartnerRequest", "PartnerResult", "PriceRecord"]

PARTNER_BLOCKED = CallResult("partner_blocked")
"""The refusal of a replication the ERP's inbound does not take now."""


@dataclass(frozen=True, slots=True)
class PartnerRequest:
    """A business partner to create from a CRM account."""

    account_id: str
    """The CRM account id (the partner's external reference)."""
    reference: int
    """The CRM account's number (kept on history rows)."""
    name: str
    region: str


@dataclass(frozen=True, slots=True)
class PartnerResult:
    """The sold-to created (or found) for a CRM account, and when it became active."""

    sold_to: str
    created_at: float
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class PriceRecord:
    """A material's list price and when it last changed (0 when never)."""

    material: str
    list_price: float
    changed_at: float


class BusinessPartners(ErpState):
    """Mixin of the ERP's business partner inbound and price reads."""

    materials: dict[str, ErpMaterial]
    pending_customers: set[str]
    partner_xref: dict[str, str]
    partner_block: Any
    region_plants: dict[str, str]
    _partner_api: Endpoint
    _price_read: Endpoint
    _price_changed_at: dict[str, float]
    _price_log: list[tuple[float, str]]

    def create_business_partner(
        self, request: PartnerRequest, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """Create (or find) the business partner for a CRM account."""
        return self._partner_api.call(-1, partial(self._create_partner, request), timeout)

    def _create_partner(self, request: PartnerRequest) -> PartnerResult | CallResult:
        block = self.partner_block
        if block is not None and block(request.account_id):
            self.record("business_partner_refused", value=float(request.reference))
            return PARTNER_BLOCKED
        now = self.sim.now
        sold_to = self.partner_xref.get(request.account_id)
        if sold_to is not None and sold_to not in self.pending_customers:
            self.record(
                "business_partner_replayed",
                subject=self.customers[sold_to].number,
                value=float(request.reference),
            )
            return PartnerResult(sold_to, now, replayed=True)
        if sold_to is None:
            sold_to = str(100000 + len(self.customers))
            self.customers[sold_to] = ErpCustomer(
                sold_to,
                len(self.customers),
                request.name,
                request.region,
                self.config.new_partner_credit_limit,
                0.0,
            )
            self.partner_xref[request.account_id] = sold_to
        self.pending_customers.discard(sold_to)
        self.record(
            "business_partner_created",
            subject=self.customers[sold_to].number,
            value=float(request.reference),
        )
        return PartnerResult(sold_to, now)

    def link_partner(self, account_id: str, sold_to: str) -> None:
        """Record which CRM account a sold-to loaded at set-up came from."""
        self.partner_xref[account_id] = sold_to

    def read_prices(
        self, materials: tuple[str, ...], timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """List prices of ``materials`` (unknown ones left out)."""
        return self._price_read.call(-1, partial(self._prices, materials), timeout)

    def prices_changed_since(
        self, since: float, timeout: float = math.inf
    ) -> Generator[Any, Any, Any]:
        """List prices of every material whose price changed after ``since``."""
        return self._price_read.call(-1, partial(self._changed_since, since), timeout)

    def _prices(self, materials: tuple[str, ...]) -> list[PriceRecord]:
        changed = self._price_changed_at
        return [
            PriceRecord(m, self.materials[m].list_price, changed.get(m, 0.0))
            for m in materials
            if m in self.materials
        ]

    def _changed_since(self, since: float) -> list[PriceRecord]:
        log = self._price_log
        first = len(log)
        while first > 0 and log[first - 1][0] > since:
            first -= 1
        return self._prices(tuple(sorted({m for _, m in log[first:]})))
