"""Settings of the ERP's IDoc inbound for EDI orders (ORDERS05)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.engine import Distribution, LogNormal

__all__ = ["IdocInboundConfig"]


class IdocInboundConfig(BaseModel):
    """How the ERP processes inbound order IDocs (EDI 850 through a VAN or AS2).

    Received IDocs wait (status 64) for the next scheduled inbound run (an RBDAPP01-style
    background job) that posts them one after the other; ``batch_interval_s: null``
    processes each IDoc on receipt instead (partner profile "trigger immediately").
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_interval_s: float | None = Field(
        default=900.0,
        gt=0,
        description=(
            "assumption: cadence of the scheduled IDoc inbound job (RBDAPP01) that posts "
            "waiting ORDERS IDocs, every 15 minutes; null processes each IDoc on receipt"
        ),
    )
    processing_time: Distribution = Field(
        default=LogNormal(mean=1.0, cv=0.5),
        description=(
            "assumption: background work to post one ORDERS IDoc (application checks and "
            "sales order creation), drawn per IDoc and attempt"
        ),
    )
