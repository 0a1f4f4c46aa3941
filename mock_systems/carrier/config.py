"""Settings of the mock carrier: endpoints, pickup and delivery windows, times, the feed.

Windows are in the local time of the place they serve: pickups at the site, deliveries in
the customer's region; neither opens on a holiday that place keeps. B2B ground delivers
Monday to Friday; ``saturday_delivery`` adds Saturday to every delivery window, and no
delivery window may open on a Sunday.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    transit_in_business_days: bool = Field(
        default=True,
        description="UPS and FedEx Ground quote transit in business days (Monday to Friday, "
        "holidays excluded, Saturday too with Saturday delivery); false is the off switch: "
        "calendar days, then the next delivery window",
    )
    delivery_windows: tuple[WeeklyWindow, ...] = Field(
        default=(WeeklyWindow(start_hour=7, end_hour=9, weekdays=(0, 1, 2, 3, 4)),),
        min_length=1,
        description="assumption: out for delivery 07:00-09:00 local, Monday to Friday "
        "(B2B ground delivers on business days)",
    )
    saturday_delivery: bool = Field(
        default=False,
        description="UPS/FedEx Saturday delivery is an extra-cost option; assumption: off",
    )
    out_for_delivery_to_delivered: Distribution = LogNormal(mean=4 * HOUR, cv=0.5)
    route_end_hour: float = Field(
        default=21.0,
        gt=0,
        le=24,
        description="assumption: a driver's route ends by 21:00 local (UPS delivers until "
        "about 9 pm); a drawn delivery time past it is the route's end",
    )
    max_delivery_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="attempts before a shipment is returned (assumption: UPS's three)",
    )
    feed: Literal["webhook", "aggregator"] = "aggregator"
    webhook_latency: Distribution = LogNormal(mean=5.0, cv=1.0)
    aggregator_poll_interval: Distribution = Uniform(low=3 * HOUR, high=12 * HOUR)

    @model_validator(mode="after")
    def _service_days(self) -> CarrierConfig:
        for window in self.delivery_windows:
            if 6 in window.weekdays:
                raise ValueError("delivery_windows: carriers deliver no B2B ground on a Sunday")
            if 5 in window.weekdays:
                raise ValueError(
                    "delivery_windows: Saturday is an option; set saturday_delivery: true "
                    "and list Monday to Friday only"
                )
        return self

    def delivery_days(self) -> tuple[WeeklyWindow, ...]:
        """The delivery windows on every service day (Saturday added when ordered)."""
        if not self.saturday_delivery:
            return self.delivery_windows
        return tuple(
            window.model_copy(update={"weekdays": (*window.weekdays, 5)})
            for window in self.delivery_windows
        )
