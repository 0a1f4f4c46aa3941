"""Canonical master data: customers, products and list prices."""

from __future__ import annotations

from pydantic import Field

from sim.integration.canonical.base import CanonicalModel

__all__ = ["Customer", "ListPrice", "Product"]


class Customer(CanonicalModel):
    """A sold-to party as the integration core knows it."""

    customer_id: str = Field(min_length=1, description="canonical id, e.g. C000042")
    name: str
    region: str = Field(min_length=1)
    credit_limit: float = Field(default=0.0, ge=0)
    currency: str = "USD"
    reference: int = Field(
        default=-1, description="the source record's number (the CRM account number)"
    )
    erp_number: str = Field(default="", description="the ERP's sold-to, once it exists")
    created_at: float = Field(default=0.0, description="when the source created the customer")


class Product(CanonicalModel):
    """A sellable stock item."""

    sku: str = Field(min_length=1)
    name: str
    list_price: float = Field(gt=0)
    unit_of_measure: str = "EA"


class ListPrice(CanonicalModel):
    """A product's list price as the ERP (the system of record for prices) has it."""

    sku: str = Field(min_length=1)
    unit_price: float = Field(gt=0)
    changed_at: float = Field(ge=0, description="when the ERP's price last changed (0: never)")
