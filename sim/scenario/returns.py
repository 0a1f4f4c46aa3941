"""The ``returns:`` section of a scenario: return demand, carrier transit and the systems.

Returns are off unless ``returns.enabled`` is true; then a share of delivered orders raises
a return case in the CRM, which travels through the integration as a return order, a WMS
receipt and a credit memo (see README, "Returns").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mock_systems.erp.returns import ErpReturnsConfig
from mock_systems.wms_receiving import ReceivingConfig
from sim.engine import Distribution, LogNormal, Uniform
from sim.engine.calendar import DAY

__all__ = ["Returns", "ReturnsDemand"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReturnsDemand(_Section):
    """Which delivered orders come back, when, how much of them and why."""

    share: float = Field(
        default=0.03,
        ge=0,
        le=1,
        description="assumption: share of delivered orders whose customer asks to return "
        "something (B2B distribution return rates of a few percent of orders)",
    )
    delay: Distribution = Field(
        default=LogNormal(mean=4 * DAY, cv=0.6),
        description="assumption: seconds from delivery to the customer's call to customer service",
    )
    quantity_share: Distribution = Field(
        default=Uniform(low=0.2, high=1.0),
        description="assumption: share of the ordered quantity of one order line the customer "
        "asks to return (rounded up to whole units)",
    )
    over_claim_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="assumption: share of return requests that name one unit more than was "
        "ordered (a customer's miscount; the ERP must refuse them)",
    )
    reasons: dict[str, float] = Field(
        default_factory=lambda: {"damaged": 0.3, "wrong_item": 0.3, "not_needed": 0.4},
        min_length=1,
        description="assumption: weights of the return reasons; 'damaged' goods are not "
        "sellable after inspection",
    )


class Returns(_Section):
    """Returns (RMA) end to end: off by default."""

    enabled: bool = Field(
        default=False,
        description="assumption: off by default so that worlds without returns keep their "
        "history; true switches return cases, RMAs, receiving and credit memos on",
    )
    demand: ReturnsDemand = Field(
        default=ReturnsDemand(),
        description="assumption: which delivered orders come back, when, how much and why",
    )
    transit: Distribution = Field(
        default=Uniform(low=2 * DAY, high=5 * DAY),
        description="assumption: seconds the carrier takes to bring a return parcel back to "
        "the site (B2B ground, 1-5 business days)",
    )
    receiving: ReceivingConfig = Field(
        default=ReceivingConfig(),
        description="assumption: the WMS's returns receiving (advice API, team, inspection)",
    )
    erp: ErpReturnsConfig = Field(
        default=ErpReturnsConfig(),
        description="assumption: the ERP's returns APIs (SAP publishes no numeric limit)",
    )
