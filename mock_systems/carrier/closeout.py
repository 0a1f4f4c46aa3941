"""Settings of the shipper's day at the carrier: the pickup cut-off and the manifest close-out.

A shipment confirmed after the site's pickup cut-off misses that day's truck and leaves
with the next pickup. The end-of-day manifest (close-out) transmits the day's shipments
to the carrier in one batch: the carrier knows a parcel from its manifest, so its
tracking (scans on the feed, the tracking API) starts only then. Both are local times of
day, placed by the carrier's :class:`~sim.engine.calendar.WorkCalendar`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.engine.schedule import BatchSchedule

__all__ = ["ManifestCloseout", "PickupCutoff"]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PickupCutoff(_Config):
    """The latest local time at which a confirmed shipment still makes that day's pickup."""

    enabled: bool = Field(
        default=True,
        description=(
            "assumption: parcel carriers' scheduled pickups have a shipper cut-off; false "
            "lets a shipment make any pickup window still open when it is tendered"
        ),
    )
    hour: float = Field(
        default=16.0,
        ge=0,
        le=24,
        description=(
            "assumption: 16:00 local, when the default pickup window opens: a shipment "
            "confirmed once the truck may be at the dock waits for the next day's"
        ),
    )


class ManifestCloseout(_Config):
    """The end-of-day manifest: the day's shipments reach the carrier in one transmission."""

    enabled: bool = Field(
        default=True,
        description=(
            "assumption: shipping systems close out the day and transmit one manifest; "
            "false makes each shipment known to the carrier when it is tendered"
        ),
    )
    schedule: BatchSchedule = Field(
        default=BatchSchedule(times_h=(18.0,)),
        description="assumption: close-out at 18:00 local, when the default pickup window ends",
    )
