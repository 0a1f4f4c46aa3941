"""Sections of the demand model: channel hours, period-end surges, promotions, amendments.

They are parts of :class:`sim.scenario.model.Demand`; each has an off switch (an empty
mapping, a multiplier of 1, a share of 0) that gives back the plain arrival process.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "CHANNELS",
    "Amendments",
    "ChannelProfile",
    "PeriodEnd",
    "Promotion",
    "PromotionWindow",
    "default_channel_profiles",
]

CHANNELS = ("edi", "field_sales", "web_shop")
"""The order channels (DOMAIN.md)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _non_negative(values: tuple[float, ...]) -> tuple[float, ...]:
    if any(v < 0 for v in values):
        raise ValueError("every factor must be zero or more")
    return values


class ChannelProfile(_Section):
    """When one channel's orders arrive: a 24-hour shape and (optionally) weekday factors."""

    hourly_weights: tuple[float, ...] = Field(
        min_length=24,
        max_length=24,
        description="assumption: relative weight of each local hour of the day (0 = midnight)",
    )
    weekday_factors: tuple[float, float, float, float, float, float, float] | None = Field(
        default=None,
        description=(
            "assumption: this channel's multiplier of the daily volume, Monday first "
            "(None: demand.weekday_factors)"
        ),
    )

    @field_validator("hourly_weights")
    @classmethod
    def _hours(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        _non_negative(values)
        if sum(values) <= 0:
            raise ValueError("at least one hour must have a positive weight")
        return values

    @field_validator("weekday_factors")
    @classmethod
    def _days(cls, values: tuple[float, ...] | None) -> tuple[float, ...] | None:
        return None if values is None else _non_negative(values)


_EDI_HOURS = (6, 9, 10, 9, 7, 4, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 5)
"""Trading partners' ERPs send their 850s in overnight batch runs (assumption)."""
_FIELD_SALES_HOURS = (0, 0, 0, 0, 0, 0, 0, 1, 5, 9, 10, 9, 6, 8, 10, 10, 8, 5, 2, 1, 0, 0, 0, 0)
"""Sales reps commit quotes in business hours, with a lunch dip (assumption)."""
_WEB_SHOP_HOURS = (1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 5, 5, 6, 6, 5, 3, 2)
"""Buyers order on the web shop through the day and into the evening (assumption)."""


def default_channel_profiles() -> dict[str, ChannelProfile]:
    """The default hours of each channel (assumptions; EDI also runs at weekends)."""
    return {
        "edi": ChannelProfile(
            hourly_weights=tuple(float(w) for w in _EDI_HOURS),
            weekday_factors=(1.1, 1.05, 1.0, 0.95, 0.9, 0.2, 0.15),
        ),
        "field_sales": ChannelProfile(hourly_weights=tuple(float(w) for w in _FIELD_SALES_HOURS)),
        "web_shop": ChannelProfile(
            hourly_weights=tuple(float(w) for w in _WEB_SHOP_HOURS),
            weekday_factors=(1.1, 1.05, 1.0, 0.95, 0.9, 0.1, 0.1),
        ),
    }


class PeriodEnd(_Section):
    """A surge in the last business days of a period (month or quarter)."""

    business_days: int = Field(
        ge=0, description="assumption: how many business days before the period's end surge"
    )
    multiplier: float = Field(
        gt=0, description="assumption: demand multiplier on those days (1 = no surge)"
    )


class PromotionWindow(_Section):
    """When a promotion runs: hours since the run start (``start_h`` inclusive)."""

    start_h: float = Field(ge=0)
    end_h: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> PromotionWindow:
        if self.end_h <= self.start_h:
            raise ValueError(f"end_h ({self.end_h}) must be after start_h ({self.start_h})")
        return self


class Promotion(_Section):
    """A promotion: demand multiplied inside a window, the extra orders for its products.

    With ``products`` empty it acts on the whole range (like a peak). With products, the
    orders above the base rate (a share ``(multiplier - 1) / multiplier`` of the orders
    in the window) buy only the promoted products, so the product mix shifts to them.
    """

    window: PromotionWindow
    multiplier: float = Field(ge=1, description="assumption: demand multiplier in the window")
    products: tuple[str, ...] = Field(
        default=(), description="SKUs on promotion, e.g. MAT-000012 (empty: every product)"
    )


class Amendments(_Section):
    """Customers change or cancel accepted orders later (EDI 860, CRM amendments).

    Each order is drawn, by keyed draws of its own, to be changed (one line's quantity
    set to a new figure; a new quantity of zero removes the line), cancelled, or neither,
    at a lognormal delay after acceptance.
    """

    change_share: float = Field(
        default=0.04,
        ge=0,
        le=1,
        description="assumption: share of orders whose customer later changes a line",
    )
    cancel_share: float = Field(
        default=0.015,
        ge=0,
        le=1,
        description="assumption: share of orders the customer later cancels",
    )
    delay_mean_h: float = Field(
        default=0.5,
        gt=0,
        description=(
            "assumption: mean hours from acceptance to the amendment (most come soon; the "
            "later ones meet allocated orders and are refused or applied in part)"
        ),
    )
    delay_cv: float = Field(
        default=1.5, gt=0, description="assumption: coefficient of variation of that delay"
    )
    line_removal_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="assumption: share of line changes that remove the line (quantity 0)",
    )
    quantity_factor_range: tuple[float, float] = Field(
        default=(0.5, 1.5),
        description="assumption: a changed line's new quantity is its old one times U(low, high)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Amendments:
        if self.change_share + self.cancel_share > 1:
            raise ValueError("change_share + cancel_share must be at most 1")
        low, high = self.quantity_factor_range
        if low < 0 or high < low:
            raise ValueError("quantity_factor_range: expected [low, high] with 0 <= low <= high")
        return self
