"""The scenario model: a pydantic description of everything a run needs.

``Scenario`` and every section forbid unknown keys, so a typo is an error, not a silently
ignored setting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from mock_systems.carrier import CarrierConfig
from mock_systems.crm import CrmConfig
from mock_systems.desk import DeskConfig
from mock_systems.erp import Erp, ErpConfig
from mock_systems.wms import SiteStaffing, WmsConfig
from sim.faults import AnyFault, fault_kind, known_targets
from sim.integration.patterns import IntegrationSettings, UnknownPatternError, pattern_class
from sim.scenario.alerts import DEFAULT_ALERTS, AlertRule
from sim.scenario.calendars import CalendarSettings, check_places
from sim.scenario.channels import ChannelEntry
from sim.scenario.demand_model import (
    CHANNELS,
    Amendments,
    ChannelProfile,
    PeriodEnd,
    Promotion,
    default_channel_profiles,
)
from sim.scenario.latency import LATENCY_METRICS
from sim.scenario.memory import MemorySettings
from sim.scenario.returns import Returns
from sim.scenario.thresholds import parse_threshold
from sim.scenario.warm_start import WarmStart

__all__ = [
    "LATENCY_METRICS",
    "PeakWindow",
    "Peak",
    "Demand",
    "MasterData",
    "Site",
    "Systems",
    "SlaTarget",
    "Scenario",
    "scenario_schema",
]


def _threshold_line(line: str) -> str:
    """A threshold line that parses (``ValueError`` says what is wrong), stripped."""
    return parse_threshold(line).text


ThresholdLine = Annotated[str, AfterValidator(_threshold_line)]
"""One line of ``thresholds:`` (grammar in :mod:`sim.scenario.thresholds`)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PeakWindow(_Section):
    """When a peak applies: hours since the run start (``start_h`` inclusive)."""

    start_h: float = Field(ge=0)
    end_h: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> PeakWindow:
        if self.end_h <= self.start_h:
            raise ValueError(f"end_h ({self.end_h}) must be after start_h ({self.start_h})")
        return self


class Peak(_Section):
    """Demand multiplied by ``multiplier`` inside ``window`` (e.g. Black Friday)."""

    multiplier: float = Field(gt=0)
    window: PeakWindow


_DEFAULT_HOURS = (
    0.2,
    0.1,
    0.1,
    0.1,
    0.2,
    0.4,
    1.0,
    2.5,
    5.0,
    7.5,
    8.5,
    8.5,
    7.0,
    7.5,
    8.5,
    8.5,
    7.5,
    6.0,
    4.0,
    3.0,
    2.0,
    1.5,
    1.0,
    0.5,
)  # assumption: business-hours shape with web and EDI orders at night


class Demand(_Section):
    """Open-model order arrivals: volume, calendar, peaks, channels and order shape."""

    orders_per_business_day: float = Field(
        default=2200.0, ge=0, description="PPAI 2025: ~557,000 orders/year for >$100M revenue"
    )
    weekday_factors: tuple[float, float, float, float, float, float, float] = Field(
        default=(1.1, 1.05, 1.0, 0.95, 0.9, 0.0, 0.0),
        description="multiplier of the daily volume, Monday first",
    )
    hourly_weights: tuple[float, ...] = Field(default=_DEFAULT_HOURS, min_length=24, max_length=24)
    peaks: tuple[Peak, ...] = ()
    channels: dict[str, float] = Field(
        default_factory=lambda: {"field_sales": 0.40, "web_shop": 0.35, "edi": 0.25}
    )
    lines_per_order_mean: float = Field(default=3.5, ge=1)
    max_lines_per_order: int = Field(default=40, ge=1)
    units_per_line_mean: float = Field(default=5.0, ge=1)
    units_per_line_cv: float = Field(default=1.0, gt=0)
    entry: ChannelEntry = Field(
        default=ChannelEntry(),
        description="where each channel's orders enter: CRM quote, commerce order or IDoc",
    )
    channel_profiles: dict[str, ChannelProfile] = Field(
        default_factory=default_channel_profiles,
        description=(
            "assumption: each channel's own hours (EDI at night, field sales in business "
            "hours, web shop into the evening); a channel without one uses hourly_weights "
            "and weekday_factors ({} = every channel alike)"
        ),
    )
    local_time: bool = Field(
        default=True,
        description=(
            "hours, weekdays and period ends apply in the customer's region local time "
            "(false: in UTC)"
        ),
    )
    region_utc_offsets_h: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "fixed hours from UTC of a region's demand clock; a region not named here keeps "
            "its calendar.zones time zone, at its offset on the scenario's first day"
        ),
    )
    day_dispersion: float = Field(
        default=0.15,
        ge=0,
        description=(
            "assumption: coefficient of variation of a random factor (gamma, mean 1) on each "
            "day's volume, so daily counts are overdispersed (0 = Poisson days)"
        ),
    )
    month_end: PeriodEnd = Field(
        default=PeriodEnd(business_days=3, multiplier=1.25),
        description="assumption: month-end surge (sales closing the month)",
    )
    quarter_end: PeriodEnd = Field(
        default=PeriodEnd(business_days=5, multiplier=1.2),
        description="assumption: quarter-end surge, on top of the month-end surge",
    )
    promotions: tuple[Promotion, ...] = Field(
        default=(), description="promotions: windows with a multiplier, optionally of some SKUs"
    )
    lines_per_order_elasticity: float = Field(
        default=0.2,
        ge=0,
        description=(
            "assumption: a customer's mean lines per order grow as (its order share / the "
            "mean share) to this power, so large accounts place larger orders (0 = alike)"
        ),
    )
    mean_order_value: float = Field(
        default=700.0,
        gt=0,
        description=(
            "assumption: mean net order value at list price in dollars (3.5 lines x 5 units "
            "x $40); list prices are scaled to it unless master_data.list_price_mean is set"
        ),
    )
    amendments: Amendments = Field(
        default=Amendments(),
        description="customer changes and cancellations of accepted orders (EDI 860, CRM)",
    )

    @field_validator("weekday_factors", "hourly_weights")
    @classmethod
    def _non_negative(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        if any(v < 0 for v in values):
            raise ValueError("every factor must be zero or more")
        return values

    @field_validator("hourly_weights")
    @classmethod
    def _some_hours(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        if sum(values) <= 0:
            raise ValueError("at least one hour must have a positive weight")
        return values

    @field_validator("channel_profiles")
    @classmethod
    def _known_profiles(cls, profiles: dict[str, ChannelProfile]) -> dict[str, ChannelProfile]:
        unknown = sorted(set(profiles) - set(CHANNELS))
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; expected {sorted(CHANNELS)}")
        return profiles

    @field_validator("channels")
    @classmethod
    def _shares(cls, shares: dict[str, float]) -> dict[str, float]:
        known = set(CHANNELS)
        unknown = set(shares) - known
        if unknown:
            raise ValueError(f"unknown channel(s) {sorted(unknown)}; expected {sorted(known)}")
        if any(v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1) > 1e-6:
            raise ValueError("channel shares must be non-negative and add up to 1")
        return shares


class MasterData(_Section):
    """How many customers and products, and how they look."""

    customers: int = Field(default=1500, gt=0)
    products: int = Field(default=800, gt=0)
    regions: dict[str, float] = Field(
        default_factory=lambda: {"northeast": 0.30, "south": 0.30, "midwest": 0.20, "west": 0.20},
        description=(
            "assumption: share of customers, and of orders, in each region (order shares "
            "are normalised within a region to it)"
        ),
    )
    credit_limit_mean: float = Field(default=40_000.0, gt=0)
    credit_limit_cv: float = Field(default=1.0, gt=0)
    opening_exposure_share: tuple[float, float] = Field(
        default=(0.0, 0.7), description="opening exposure as a share of the limit, low-high"
    )
    list_price_mean: float | None = Field(
        default=None,
        gt=0,
        description=(
            "mean list price; None derives it from demand.mean_order_value (prices are "
            "scaled so the expected order value at list price is that figure)"
        ),
    )
    order_share_sigma: float = Field(
        default=1.2,
        ge=0,
        description=(
            "assumption: customers' order shares are lognormal with this sigma; 1.2 gives "
            "the top 20% of accounts about 64% of orders, and with their larger orders "
            "about 70% of revenue, toward the Pareto 80/20 rule of thumb (0 = uniform)"
        ),
    )
    credit_limit_share_elasticity: float = Field(
        default=1.0,
        ge=0,
        description=(
            "assumption: credit limits are sized to volume: a customer's limit scales as "
            "(its order share / the mean share) to this power, at the same mean (0 = no link)"
        ),
    )
    list_price_cv: float = Field(default=1.2, gt=0)
    popularity_exponent: float = Field(default=1.0, ge=0, description="Zipf exponent over SKUs")
    contract_customer_share: float = Field(default=0.1, ge=0, le=1)
    contract_discount: float = Field(default=0.08, ge=0, lt=1)
    contract_products: int = Field(
        default=20, ge=0, description="products with a contract price per contract customer"
    )
    opening_cover_days: tuple[float, float] = Field(default=(4.0, 20.0))
    reorder_cover_days: float = Field(default=6.0, ge=0)
    order_up_to_cover_days: float = Field(default=14.0, gt=0)
    new_accounts_per_business_day: float = Field(
        default=0.0,
        ge=0,
        description=(
            "assumption: accounts reps create in the CRM per business day during the run "
            "(0: none); each reaches the ERP only through the integration"
        ),
    )
    new_account_order_weight: float = Field(
        default=1.0,
        ge=0,
        description=(
            "assumption: a new account's share of orders relative to the average existing "
            "customer's (1: it orders like an average customer)"
        ),
    )
    price_changes_per_business_day: float = Field(
        default=0.0,
        ge=0,
        description=(
            "assumption: ERP list price changes pricing stewards make per business day "
            "during the run (0: none); the CRM price book learns them through the integration"
        ),
    )
    price_change_range: tuple[float, float] = Field(
        default=(-0.05, 0.10),
        description="assumption: relative change of a list price, drawn uniformly low-high",
    )
    office_hours: tuple[float, float] = Field(
        default=(8.0, 17.0),
        description=(
            "assumption: hours of the day (run clock) in which accounts are created and "
            "prices changed"
        ),
    )

    @field_validator("regions")
    @classmethod
    def _shares(cls, shares: dict[str, float]) -> dict[str, float]:
        if not shares:
            raise ValueError("at least one region is needed")
        if any(v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1) > 1e-6:
            raise ValueError("region shares must be non-negative and add up to 1")
        return shares

    @field_validator("opening_exposure_share", "opening_cover_days")
    @classmethod
    def _range(cls, pair: tuple[float, float]) -> tuple[float, float]:
        if pair[0] < 0 or pair[1] < pair[0]:
            raise ValueError("expected [low, high] with 0 <= low <= high")
        return pair

    @field_validator("price_change_range")
    @classmethod
    def _change_range(cls, pair: tuple[float, float]) -> tuple[float, float]:
        if pair[0] <= -1 or pair[1] < pair[0]:
            raise ValueError("expected [low, high] with -1 < low <= high")
        return pair

    @field_validator("office_hours")
    @classmethod
    def _hours(cls, pair: tuple[float, float]) -> tuple[float, float]:
        if pair[0] < 0 or pair[1] > 24 or pair[1] <= pair[0]:
            raise ValueError("expected [start, end] hours with 0 <= start < end <= 24")
        return pair


class Site(_Section):
    """A warehouse (ERP plant and WMS site) and the regions it serves."""

    serves: tuple[str, ...] = Field(min_length=1)
    staffing: SiteStaffing


class Systems(_Section):
    """Settings of each mock system."""

    crm: CrmConfig = CrmConfig()
    erp: ErpConfig = ErpConfig()
    wms: WmsConfig = WmsConfig()
    carrier: CarrierConfig = CarrierConfig()
    desk: DeskConfig = DeskConfig()


class SlaTarget(_Section):
    """A service level: the ``percentile`` of a latency metric within ``max_s`` seconds.

    ``channels`` limits the target to orders of those channels (none: every order), e.g.
    an order-creation target for the orders entered through the CRM, while EDI orders
    wait for their IDoc inbound run.
    """

    percentile: float = Field(default=95.0, gt=0, le=100)
    max_s: float = Field(gt=0)
    channels: tuple[Literal["field_sales", "web_shop", "edi"], ...] = Field(
        default=(),
        description="assumption: a target applies to every channel unless it names some",
    )


def _default_sites() -> dict[str, Site]:
    return {
        "NJ01": Site(serves=("northeast",), staffing=SiteStaffing(pickers=11)),
        "GA01": Site(serves=("south",), staffing=SiteStaffing(pickers=11)),
        "IL01": Site(serves=("midwest",), staffing=SiteStaffing(pickers=8)),
        "NV01": Site(serves=("west",), staffing=SiteStaffing(pickers=8)),
    }


class Scenario(_Section):
    """One simulated world: demand, master data, sites, systems, integration and SLAs."""

    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(default=1, ge=0)
    start: datetime = Field(
        default=datetime(2026, 10, 19, tzinfo=UTC),
        description="assumption: Monday 2026-10-19 00:00 UTC, a week without public "
        "holidays (see scenarios/thanksgiving_week.yaml for a holiday week)",
    )
    demand_days: float = Field(default=7.0, gt=0, description="days during which orders arrive")
    drain_days: float = Field(
        default=7.0, ge=0, description="days run after demand stops, so late orders complete"
    )
    demand: Demand = Demand()
    master_data: MasterData = MasterData()
    warm_start: WarmStart = Field(
        default=WarmStart(),
        description=(
            "the opening state at time zero (open receivables, steady-state stock and "
            "replenishment, open orders) and the warm-up the metrics ignore"
        ),
    )
    sites: dict[str, Site] = Field(default_factory=_default_sites)
    calendar: CalendarSettings = CalendarSettings()
    systems: Systems = Systems()
    integration: IntegrationSettings = IntegrationSettings()
    returns: Returns = Field(
        default=Returns(),
        description="returns (RMA) end to end: CRM case, ERP return order, WMS receipt, "
        "credit memo; off unless returns.enabled",
    )
    memory: MemorySettings = Field(
        default=MemorySettings(),
        description="how the run bounds its memory (history spill budget, release of state)",
    )
    slas: dict[str, SlaTarget] = Field(default_factory=dict)
    thresholds: tuple[ThresholdLine, ...] = Field(
        default=(),
        description=(
            "release gates over any figure of metrics.json, one line each: "
            "'FIGURE [per N orders] OP NUMBER[UNIT]', e.g. 'order_creation_latency.p95 < 15min', "
            "'crm_staleness < 2%', 'dead_letters == 0', 'manual_touches per 100 orders <= 3'"
        ),
    )
    alerts: tuple[AlertRule, ...] = Field(
        default=DEFAULT_ALERTS,
        description=(
            "alert rules: a signal, a threshold and (for windowed signals) a sliding window; "
            "the run records when each fired and cleared, and each fault's time to detect"
        ),
    )
    faults: tuple[AnyFault, ...] = Field(
        default=(), description="what goes wrong, where and when (expanded to a fault timeline)"
    )

    @field_validator("start")
    @classmethod
    def _aware(cls, start: datetime) -> datetime:
        return start if start.tzinfo else start.replace(tzinfo=UTC)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        served = [region for site in self.sites.values() for region in site.serves]
        duplicates = sorted({r for r in served if served.count(r) > 1})
        if duplicates:
            raise ValueError(f"regions served by more than one site: {duplicates}")
        missing = sorted(set(self.master_data.regions) - set(served))
        if missing:
            raise ValueError(f"regions with no site serving them: {missing}")
        check_places(
            self.calendar,
            self.master_data.regions,
            {name: site.serves for name, site in self.sites.items()},
        )
        untaxed = sorted(set(self.master_data.regions) - set(self.systems.erp.tax_rates))
        if untaxed:
            raise ValueError(f"regions with no ERP tax rate (systems.erp.tax_rates): {untaxed}")
        known = set(LATENCY_METRICS)
        unknown = sorted(set(self.slas) - known)
        if unknown:
            raise ValueError(f"unknown SLA metric(s) {unknown}; expected one of {sorted(known)}")
        names = [rule.name for rule in self.alerts]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"alert names must be unique: {repeated}")
        for peak in self.demand.peaks:
            if peak.window.start_h >= self.demand_days * 24:
                raise ValueError("a peak window starts after demand ends (demand_days)")
        self._check_demand()
        self._check_pattern()
        self._check_faults()
        return self

    def _check_demand(self) -> None:
        """Promoted SKUs exist."""
        demand = self.demand
        products = self.master_data.products
        for index, promotion in enumerate(demand.promotions):
            unknown = sorted(
                sku
                for sku in promotion.products
                if not (sku.startswith("MAT-") and sku[4:].isdigit() and int(sku[4:]) < products)
            )
            if unknown:
                raise ValueError(
                    f"demand.promotions[{index}].products: unknown SKU(s) {unknown[:5]}; "
                    f"SKUs are MAT-000000 to MAT-{self.master_data.products - 1:06d}"
                )

    def _check_pattern(self) -> None:
        """The integration pattern is registered (or importable, for a user's pattern)."""
        try:
            pattern_class(self.integration.pattern)
        except UnknownPatternError as exc:
            raise ValueError(f"integration.pattern: {exc.args[0]}") from None

    def _check_faults(self) -> None:
        """Targets that exist somewhere; explicit windows of one fault that do not overlap."""
        unknown = sorted(set(self.integration.mappings) - set(Erp.CONTRACT_VERSIONS))
        if unknown:
            raise ValueError(
                f"integration.mappings: the ERP has no event contract version {unknown}; "
                f"it has {', '.join(Erp.CONTRACT_VERSIONS)}"
            )
        seen: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
        for index, fault in enumerate(self.faults):
            families = fault_kind(fault.kind).families
            known = set().union(*(known_targets(f) for f in families))
            if fault.target not in known:
                raise ValueError(
                    f"faults[{index}].target: {fault.target!r} is not a {'/'.join(families)} "
                    f"that any system or pattern has; expected one of {sorted(known)}"
                )
            spans = seen.setdefault((fault.kind, fault.target), [])
            for window in fault.windows:
                for start, end, other in spans:
                    if window.start_h < end and start < window.end_h:
                        raise ValueError(
                            f"faults[{index}].windows: [{window.start_h}, {window.end_h}] "
                            f"overlaps faults[{other}]'s [{start}, {end}] of the same "
                            f"{fault.kind} on {fault.target!r}; merge them into one window"
                        )
            spans.extend((w.start_h, w.end_h, index) for w in fault.windows)

    @property
    def region_plants(self) -> dict[str, str]:
        """Region to the site that serves it."""
        return {region: name for name, site in self.sites.items() for region in site.serves}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file."""
    return Scenario.model_json_schema()
