"""The knobs of a capacity search: the bracket, the stopping rule and the two analysis rules.

A :class:`CapacitySettings` is validated at the edge (the CLI builds it from its options)
and never touched on a run's hot path.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["CapacitySettings", "MetastabilityRule"]


class MetastabilityRule(BaseModel):
    """When a run counts as metastable: after its load fell, it did not come back.

    The load is the orders accepted per hour. It *fell* at the first hour after its
    busiest hour whose arrivals are at most ``fall_share`` of that hour's; the run is then
    watched over ``watch_h`` hours starting ``settle_h`` hours later.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True,
        description="off switch: false reports no metastability finding at all",
    )
    fall_share: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="assumption: the load has fallen back once an hour's arrivals are at "
        "most this share of the busiest hour's",
    )
    settle_h: float = Field(
        default=1.0,
        ge=0,
        description="assumption: hours a healthy system may take to start draining",
    )
    watch_h: float = Field(
        default=3.0,
        gt=0,
        description="assumption: hours watched after settling (Bronson et al., "
        "'Metastable Failures in Distributed Systems', HotOS 2021: the sustaining effect "
        "outlives the trigger)",
    )
    min_growth: float = Field(
        default=1.0,
        gt=0,
        description="assumption: a queue is still growing when its hourly mean rose by at "
        "least this many requests (or orders) over the watch and ends above its level at "
        "the fall",
    )
    retry_share: float = Field(
        default=0.5,
        gt=0,
        description="assumption: retries stay elevated when their hourly rate over the "
        "watch is at least this share of the rate while the load was high",
    )
    min_retries_per_h: float = Field(
        default=5.0,
        ge=0,
        description="assumption: fewer retries an hour than this are never a storm",
    )


class CapacitySettings(BaseModel):
    """How a capacity search brackets, judges and stops, and how it reads the series."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float = Field(
        default=0.5,
        gt=0,
        description="assumption: the lowest arrival-rate multiplier tried first",
    )
    high: float = Field(
        default=16.0,
        gt=0,
        description="assumption: the highest multiplier tried first (16x covers a 5x peak "
        "with headroom, DOMAIN.md's 3x and 5x peak days)",
    )
    tolerance: float = Field(
        default=0.1,
        gt=0,
        description="assumption: stop when the bracket's highest failing multiplier is "
        "within this share above the lowest passing one",
    )
    max_steps: int = Field(
        default=10,
        ge=2,
        description="assumption: the budget of judged multipliers, bracket checks included",
    )
    widen: int = Field(
        default=2,
        ge=0,
        description="assumption: times the bracket may be widened (low halved or high "
        "doubled) when low fails or high passes",
    )
    replications: int = Field(
        default=5,
        ge=2,
        description="replications per multiplier: a verdict across replications needs two "
        "or more (docs/methodology.md, SLA verdicts across replications)",
    )
    saturation: float = Field(
        default=0.85,
        gt=0,
        le=1,
        description="assumption: a resource is saturated when its busiest hour uses this "
        "share of its servers (queueing delay grows steeply above ~0.8, Kleinrock 1975)",
    )
    backlog_floor: float = Field(
        default=0.1,
        ge=0,
        description="assumption: a resource's backlog has grown once the requests waiting "
        "per server in its busiest queue hour rose by this many over the lowest step "
        "(an M/M/c queue at 85% utilisation holds about 4.8 waiting per server with one "
        "server, 0.41 with eight and 0.15 with sixteen: Erlang C); 0 switches the backlog "
        "condition off and utilisation alone names the bottleneck",
    )
    gates: tuple[str, ...] = Field(
        default=(),
        description="the SLA targets and threshold lines a step must hold to pass, by name; "
        "empty: every one of the scenario. The others are still judged and reported. Leave "
        "out a gate the load does not set (an allocation delay waiting for stock fails at "
        "every multiplier)",
    )
    metastability: MetastabilityRule = MetastabilityRule()

    @model_validator(mode="after")
    def _ordered(self) -> CapacitySettings:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high:g}) must be above low ({self.low:g})")
        return self
