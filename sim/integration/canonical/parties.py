"""Canonical master data: customers and products."""

from __future__ import annotations

from pydantic import Field

from sim.integration.canonical.base import CanonicalModel

__all__ = ["Customer", "Product"]


class Customer(CanonicalModel):
    """A sold-to party as the integration core knows it."""

    customer_id: str = Field(min_length=1, description="canonical id, e.g. C000042")
    name: str
    region: str = Field(min_length=1)
    credit_limit: float = Field(ge=0)
    currency: str = "USD"


class Product(CanonicalModel):
    """A sellable stock item."""

    sku: str = Field(min_length=1)
    name: str
    list_price: float = Field(gt=0)
    unit_of_measure: str = "EA"
