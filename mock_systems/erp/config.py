"""Settings of the mock ERP: endpoints, allocation cadence, credit, tax, replenishment, events."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.engine import Constant, Distribution, EndpointSpec, LogNormal, Uniform

__all__ = ["ErpEndpoints", "CreditPolicy", "EventPayload", "ReplenishmentPolicy", "ErpConfig"]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErpEndpoints(_Config):
    """Latency and capacity of each ERP API (SAP S/4HANA publishes no numeric limit)."""

    simulate_order: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=0.8, cv=0.6), concurrency=16
    )
    create_order: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=1.2, cv=0.6), concurrency=16
    )
    atp_extract: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=4.0, cv=0.5), concurrency=2
    )
    delivery_update: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=0.6, cv=0.5), concurrency=16
    )
    maintain_order: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=1.0, cv=0.6), concurrency=4
    )
    order_status: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=0.2, cv=0.5), concurrency=8
    )
    """A status query per order: its status line and its deliveries' and invoices' statuses."""
    read_order: EndpointSpec = EndpointSpec(service_time=LogNormal(mean=0.5, cv=0.5), concurrency=8)
    """A read-back by key of the whole order with its deliveries and invoices (assumption:
    an OData GET with the deliveries and billing documents expanded, heavier than a status
    query)."""
    status_extract: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=6.0, cv=0.5), concurrency=1
    )


class CreditPolicy(_Config):
    """How blocked orders are reviewed by credit management.

    A held order waits ``review_time``; it is released when the customer's exposure with it
    stays within ``credit_limit * (1 + approval_tolerance)``, else it is rejected.
    """

    review_time: Distribution = LogNormal(mean=4 * 3600.0, cv=0.8)
    approval_tolerance: float = Field(default=0.25, ge=0)
    payment_terms: Distribution = LogNormal(mean=30 * 86400.0, cv=0.3)


class ReplenishmentPolicy(_Config):
    """A periodic (s, S) review: below the reorder point, order up to the target."""

    review_interval_s: float = Field(default=86400.0, gt=0)
    lead_time: Distribution = Uniform(low=2 * 86400.0, high=4 * 86400.0)
    working_days: tuple[int, ...] = Field(
        default=(0, 1, 2, 3, 4),
        min_length=1,
        description=(
            "assumption (SAP factory calendar: MRP runs on working days, planned delivery "
            "time counts working days): weekdays (0 = Monday) on which the review runs and "
            "lead time elapses; all seven days: calendar time"
        ),
    )

    @field_validator("working_days")
    @classmethod
    def _weekdays(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if any(d < 0 or d > 6 for d in days):
            raise ValueError("weekdays go from 0 (Monday) to 6 (Sunday)")
        return days


class EventPayload(StrEnum):
    """What the ERP's business events carry.

    ``full``: data events, with the order status and the change's detail; ``keys``:
    notification events with only the keys of what changed, as most SAP S/4HANA business
    events are; a consumer reads the object back (``read_order``).
    """

    FULL = "full"
    KEYS = "keys"


class ErpConfig(_Config):
    """The ERP's behaviour in one scenario."""

    endpoints: ErpEndpoints = ErpEndpoints()
    idempotency_retention_s: float = Field(
        default=86_400.0, gt=0, description="how long an idempotency key is remembered"
    )
    allocation_interval_s: float = Field(
        default=900.0, gt=0, description="cadence of the allocation (backorder) run"
    )
    allocation_run_time: Distribution = Constant(value=60.0)
    credit: CreditPolicy = CreditPolicy()
    replenishment: ReplenishmentPolicy = ReplenishmentPolicy()
    tax_rates: dict[str, float] = Field(
        default_factory=lambda: {
            "northeast": 0.0625,
            "south": 0.07,
            "midwest": 0.06,
            "west": 0.0725,
        }
    )
    price_tolerance: float = Field(
        default=0.005, ge=0, description="relative quote/ERP price gap that holds an order"
    )
    invoice_on: Literal["shipment", "delivery"] = "shipment"
    event_payload: EventPayload = Field(
        default=EventPayload.FULL,
        description="full: events carry status and detail; keys: only keys, read back by key",
    )
