"""The records the workload draws: customers, products and the arrival plan.

Plain frozen dataclasses, apart from :mod:`sim.workload` so that its parts (order entry,
time-zero loading) can name them without importing the workload itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.demand.rates import DayFactors

__all__ = ["ArrivalPlan", "CustomerSeed", "MasterDataSet", "ProductSeed"]


@dataclass(frozen=True, slots=True)
class CustomerSeed:
    """One generated customer."""

    sold_to: str
    account_id: str
    name: str
    region: str
    credit_limit: float
    opening_exposure: float
    contract: bool
    order_share: float
    """The probability that an arriving order is this customer's (the shares add up to 1)."""


@dataclass(frozen=True, slots=True)
class ProductSeed:
    """One generated product."""

    sku: str
    name: str
    list_price: float
    popularity: float


@dataclass(frozen=True)
class MasterDataSet:
    """Customers and products shared by the CRM and the ERP at time zero."""

    customers: tuple[CustomerSeed, ...]
    products: tuple[ProductSeed, ...]


@dataclass(frozen=True)
class ArrivalPlan:
    """Arrival instants and the drawn shape of every order."""

    times: np.ndarray
    customers: np.ndarray
    channels: tuple[str, ...]
    channel_idx: np.ndarray
    line_counts: np.ndarray
    skus: np.ndarray
    units: np.ndarray
    day_factors: DayFactors | None = None
    """The random factor of each local date (None: no draw)."""
    promotion: np.ndarray | None = None
    """Per order, the index of the promotion whose products it buys (-1: none)."""
