"""Settings of the mock ERP: endpoints, allocation cadence, credit, tax, replenishment, events."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mock_systems.erp.batch_config import BackorderRescheduling, BillingRuns
from mock_systems.erp.idoc_config import IdocInboundConfig
from sim.engine import Constant, Distribution, EndpointSpec, LogNormal, Uniform

__all__ = [
    "ErpEndpoints",
    "CreditPolicy",
    "DeliverySchedulingPolicy",
    "EventPayload",
    "ReplenishmentPolicy",
    "ErpConfig",
    "WorkProcesses",
]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_PER_LINE = LogNormal(mean=0.25, cv=0.5)
"""assumption: each order line adds item determination, pricing, ATP, tax, partner and
output determination for one item, about 0.25 s of a work process (an S/4HANA sales order
with ten items takes a few seconds more than one with one item); calibrate from the
STAD/ST03N statistics of the real system (``--set
systems.erp.endpoints.create_order.per_line.mean=...``)."""


class ErpEndpoints(_Config):
    """Latency and capacity of each ERP API (SAP S/4HANA publishes no numeric limit).

    With ``work_processes.shared`` on (the default) every API serves on the ERP's one pool
    of dialog work processes, and an endpoint's ``concurrency`` no longer bounds it; its
    ``per_line`` makes order-sized calls cost more for larger orders.
    """

    simulate_order: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=0.8, cv=0.6), concurrency=16, per_line=_PER_LINE
    )
    create_order: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=1.5, cv=0.6), concurrency=16, per_line=_PER_LINE
    )
    atp_extract: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=4.0, cv=0.5), concurrency=2
    )
    delivery_update: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=0.6, cv=0.5), concurrency=16
    )
    maintain_order: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=1.0, cv=0.6), concurrency=4, per_line=_PER_LINE
    )
    order_status: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=0.2, cv=0.5), concurrency=8
    )
    """A status query per order: its status line and its deliveries' and invoices' statuses."""
    read_order: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=0.4, cv=0.5),
        concurrency=8,
        per_line=LogNormal(mean=0.02, cv=0.5),
    )
    """A read-back by key of the whole order with its deliveries and invoices (assumption:
    an OData GET with the deliveries and billing documents expanded, heavier than a status
    query)."""
    status_extract: EndpointSpec = EndpointSpec(
        service_time=LogNormal(mean=6.0, cv=0.5), concurrency=1
    )
    create_business_partner: EndpointSpec = Field(
        default=EndpointSpec(service_time=LogNormal(mean=2.0, cv=0.5), concurrency=2),
        description=(
            "assumption: business partner inbound (customer replication from the CRM), "
            "heavier than an order read: the BP, its sales area and credit segment"
        ),
    )
    price_read: EndpointSpec = Field(
        default=EndpointSpec(service_time=LogNormal(mean=0.5, cv=0.5), concurrency=4),
        description=(
            "assumption: an OData read of list-price condition records, by material or "
            "changed since a time (S/4HANA price events carry keys only)"
        ),
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


class DeliverySchedulingPolicy(_Config):
    """How the ERP confirms a delivery date when it creates an order (the promise)."""

    enabled: bool = Field(
        default=True, description="confirm a delivery date (erp.delivery_confirmed) per order"
    )
    pick_pack_days: int = Field(
        default=1,
        ge=0,
        description="assumption: an order available today ships the next business day",
    )
    transit_days: int = Field(
        default=2,
        ge=0,
        description=(
            "assumption: planned ground transit in business days, the mock carrier's most "
            "likely transit (1-4 days, mode 2; carriers quote 1-5 business days for ground)"
        ),
    )
    replenishment_days: int = Field(
        default=4,
        ge=0,
        description=(
            "assumption: planning replenishment time in business days when ATP is short "
            "(the high end of the replenishment lead time, 2-4 days)"
        ),
    )


class EventPayload(StrEnum):
    """What the ERP's business events carry.

    ``full``: data events, with the order status and the change's detail; ``keys``:
    notification events with only the keys of what changed, as most SAP S/4HANA business
    events are; a consumer reads the object back (``read_order``).
    """

    FULL = "full"
    KEYS = "keys"


class WorkProcesses(_Config):
    """The ERP's application servers: dialog and background work processes (SAP).

    Every API request holds a dialog work process for its service time; a batch job (the
    allocation run, billing due list, IDoc inbound) holds a background work process and,
    as SAP mass runs do with parallel processing through an RFC server group, runs its
    packets on dialog work processes, so a running batch leaves the APIs fewer.
    """

    shared: bool = Field(
        default=True,
        description="off switch: False gives each API its own concurrency servers and lets "
        "batch jobs take only their time, as before the pool was modelled",
    )
    dialog: int = Field(
        default=2,
        gt=0,
        description="assumption: dialog work processes the integration's RFC/OData calls "
        "and batch packets may use: the quota of the RFC server group (SAP RZ12) on an "
        "instance whose other work processes serve the business's own users; with the "
        "default service times a baseline week's peak hour uses about 20-35% of them and a "
        "5x day saturates them",
    )
    background: int = Field(
        default=4,
        gt=0,
        description="assumption: background work processes for batch jobs (rdisp/wp_no_btc)",
    )
    batch_packets: int = Field(
        default=1,
        ge=0,
        description="assumption: dialog work processes a batch job's parallel processing "
        "takes for its run (the RFC server group's quota for mass runs)",
    )
    locks: bool = Field(
        default=True,
        description="off switch: order creation locks the customer's credit exposure and "
        "the order's materials at its plant (SAP enqueue) for its commit part",
    )
    commit_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="assumption: share of an order creation's service spent in its commit "
        "part, holding its locks (credit update, ATP check and document posting)",
    )


class ErpConfig(_Config):
    """The ERP's behaviour in one scenario."""

    endpoints: ErpEndpoints = ErpEndpoints()
    work_processes: WorkProcesses = WorkProcesses()
    idempotency_retention_s: float = Field(
        default=86_400.0, gt=0, description="how long an idempotency key is remembered"
    )
    allocation_interval_s: float = Field(
        default=900.0, gt=0, description="cadence of the allocation (backorder) run"
    )
    allocation_run_time: Distribution = Constant(value=60.0)
    allocation_time_per_line: float = Field(
        default=0.05,
        ge=0,
        description="assumption: work per order line an allocation run processes, seconds, "
        "shared among its parallel packets (backorder processing of about 20 lines a second "
        "per process)",
    )
    credit: CreditPolicy = CreditPolicy()
    scheduling: DeliverySchedulingPolicy = DeliverySchedulingPolicy()
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
    new_partner_credit_limit: float = Field(
        default=10_000.0,
        ge=0,
        description=(
            "assumption: the credit limit credit management gives a business partner "
            "replicated from the CRM until it is reviewed"
        ),
    )
    invoice_on: Literal["shipment", "delivery"] = "shipment"
    billing_runs: BillingRuns = Field(
        default=BillingRuns(),
        description="billing due-list runs (SAP VF04/VF06); enabled: false bills at once",
    )
    backorder_rescheduling: BackorderRescheduling = Field(
        default=BackorderRescheduling(),
        description="nightly backorder rescheduling (SAP V_V2); enabled: false retries on receipt",
    )
    event_payload: EventPayload = Field(
        default=EventPayload.FULL,
        description="full: events carry status and detail; keys: only keys, read back by key",
    )
    idoc: IdocInboundConfig = Field(
        default=IdocInboundConfig(),
        description="the IDoc inbound of EDI orders: batch cadence and posting time",
    )
