"""Settings of the mock carrier: endpoints, pickup and delivery windows, times, the feed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mock_systems.carrier.closeout import ManifestCloseout, PickupCutoff
from sim.engine import Distribution, EndpointSpec, LogNormal, Triangular, Uniform
from sim.engine.calendar import HOUR, WeeklyWindow

__all__ = ["CarrierConfig"]


class CarrierConfig(BaseModel):
    """Settings of the mock carrier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tender: EndpointSpec = EndpointSpec(service_time=LogNormal(mean=0.7, cv=0.5), concurrency=10)
    track: EndpointSpec = EndpointSpec(service_time=LogNormal(mean=0.5, cv=0.5), concurrency=10)
    pickup_windows: tuple[WeeklyWindow, ...] = (
        WeeklyWindow(start_hour=16, end_hour=18, weekdays=(0, 1, 2, 3, 4)),
    )
    pickup_cutoff: PickupCutoff = Field(
        default=PickupCutoff(), description="shipments confirmed later leave with the next pickup"
    )
    manifest: ManifestCloseout = Field(
        default=ManifestCloseout(), description="the end-of-day manifest (close-out)"
    )
    hub_departure: Distribution = LogNormal(mean=5 * HOUR, cv=0.5)
    transit_days: Distribution = Triangular(low=1.0, mode=2.0, high=4.0)
    delivery_windows: tuple[WeeklyWindow, ...] = (
        WeeklyWindow(start_hour=7, end_hour=9, weekdays=(0, 1, 2, 3, 4, 5)),
    )
    out_for_delivery_to_delivered: Distribution = LogNormal(mean=4 * HOUR, cv=0.5)
    max_delivery_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="attempts before a shipment is returned (assumption: UPS's three)",
    )
    feed: Literal["webhook", "aggregator"] = "aggregator"
    webhook_latency: Distribution = LogNormal(mean=5.0, cv=1.0)
    aggregator_poll_interval: Distribution = Uniform(low=3 * HOUR, high=12 * HOUR)
