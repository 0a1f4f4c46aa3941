"""How the world starts: warm (a business in steady state at time zero) or cold (empty).

A real distributor is warm when a measurement starts: customers owe invoices that they pay
on their terms, stock sits on the shelves and replenishment is on its way, and orders
accepted earlier are still being fulfilled. A world that starts empty ramps instead
(credit exposure only grows, since nothing posted before time zero is ever paid), so its
first weeks are not representative. Payment terms average 30 days, so deleting a warm-up
period alone would need more than a simulated month; ``warmup_days`` stays as an option.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["WarmStart"]


class WarmStart(BaseModel):
    """The opening state of the world at time zero, and the warm-up the metrics ignore."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True,
        description=(
            "assumption: the world starts warm (DOMAIN.md, steady state); false: a cold "
            "start, whatever the switches below say (exposure never paid down, stock as "
            "cover days, nothing on order or open)"
        ),
    )
    receivables: bool = Field(
        default=True,
        description=(
            "assumption: each customer's opening credit exposure is made of open invoices "
            "from its expected billing rate (order share x daily order value), aged over the "
            "payment terms and paid on them during the run; off: the cold start's opening "
            "exposure (master_data.opening_exposure_share) that is never paid down"
        ),
    )
    credit_limit_headroom: tuple[float, float] = Field(
        default=(1.4, 2.2),
        description=(
            "assumption: with warm receivables, each customer's credit limit is its expected "
            "open receivables (billing rate x mean payment terms) times a headroom drawn "
            "uniformly in [low, high], as credit managers size limits from the account's "
            "volume; (0, 0) keeps the limits of master_data"
        ),
    )
    invoice_value_cv: float = Field(
        default=1.0,
        gt=0,
        description=(
            "assumption: coefficient of variation of an opening invoice's net value "
            "(lognormal around the mean order value)"
        ),
    )
    stock: bool = Field(
        default=True,
        description=(
            "assumption: opening on-hand and open purchase orders (in transit, arriving "
            "within the lead time) are the state of the ERP's (s, S) periodic review after "
            "burn_in_days of expected demand before time zero; off: on-hand drawn as "
            "master_data.opening_cover_days of cover with nothing on order"
        ),
    )
    burn_in_days: int = Field(
        default=42,
        ge=1,
        le=366,
        description=(
            "assumption: days of the (s, S) policy simulated before time zero to reach its "
            "steady state (several order cycles of 8 days' cover)"
        ),
    )
    open_orders: bool = Field(
        default=True,
        description=(
            "assumption: orders accepted before time zero and not yet shipped: their stock "
            "is allocated and their value counts in the exposure at time zero; they ship "
            "within open_order_days and are then invoiced as opening receivables"
        ),
    )
    open_order_days: float = Field(
        default=1.0,
        ge=0,
        le=30,
        description=(
            "assumption: days of demand still open at time zero (acceptance to goods issue "
            "takes about a day in the baseline)"
        ),
    )
    warmup_days: float = Field(
        default=0.0,
        ge=0,
        description=(
            "warm-up deletion (Law, Simulation Modeling and Analysis, ch. 9): metrics ignore "
            "orders accepted in the first warmup_days; 0 keeps every order"
        ),
    )

    @property
    def warm_receivables(self) -> bool:
        """Opening exposure is open invoices paid during the run."""
        return self.enabled and self.receivables

    @property
    def warm_stock(self) -> bool:
        """Opening stock and pipeline come from the (s, S) steady state."""
        return self.enabled and self.stock

    @property
    def warm_open_orders(self) -> bool:
        """Orders open at time zero hold stock and exposure."""
        return self.enabled and self.open_orders and self.open_order_days > 0

    @property
    def limits_from_volume(self) -> bool:
        """Credit limits are sized from each customer's volume (warm receivables only)."""
        return self.warm_receivables and self.credit_limit_headroom[1] > 0

    @field_validator("credit_limit_headroom")
    @classmethod
    def _range(cls, pair: tuple[float, float]) -> tuple[float, float]:
        if pair[0] < 0 or pair[1] < pair[0]:
            raise ValueError("expected [low, high] with 0 <= low <= high")
        return pair
