"""The arrival rate of orders: channels, regions in local time, calendar surges, day factors.

The rate is a sum of components, one per (channel, region). A component's rate at an
instant is the daily volume times the channel's share, the region's share of orders (the
order shares of its customers), the channel's weekday factor and hour weight read in the
region's local time, the period-end multiplier of the local date and that date's random
day factor. Everything here is vectorised over components and pieces of time.

:func:`region_utc_offset_h` is the one place that turns a region into its clock: the
region's time zone in the run's calendar (``calendar.zones``), at its offset on the
scenario's first day, unless ``demand.region_utc_offsets_h`` fixes one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from sim.engine.calendar import DAY, HOUR, WorkCalendar
from sim.scenario import Demand

__all__ = [
    "Components",
    "DayFactors",
    "components",
    "component_rates",
    "day_factors",
    "period_end_multipliers",
    "region_utc_offset_h",
]

_EPOCH_WEEKDAY = 3
"""1970-01-01 was a Thursday (Monday = 0)."""


def region_utc_offset_h(demand: Demand, region: str, calendar: WorkCalendar) -> float:
    """Hours from UTC of ``region``'s local time (0 when demand runs in UTC).

    A fixed offset from ``demand.region_utc_offsets_h`` when it names the region; else the
    offset of the region's calendar zone at the run's start (daylight saving time as of
    that day; it is not re-read when the clocks change during the run).
    """
    if not demand.local_time:
        return 0.0
    fixed = demand.region_utc_offsets_h.get(region)
    if fixed is not None:
        return float(fixed)
    offset = calendar.start.astimezone(ZoneInfo(calendar.at(region).zone)).utcoffset()
    return 0.0 if offset is None else offset.total_seconds() / HOUR


@dataclass(frozen=True)
class Components:
    """The (channel, region) components of the arrival rate."""

    channels: tuple[str, ...]
    regions: tuple[str, ...]
    channel_of: np.ndarray
    region_of: np.ndarray
    share: np.ndarray
    """Share of a business day's orders in each component (channel share x region share)."""
    offset_s: np.ndarray
    """Each component's region clock: seconds from UTC."""
    hour_weights: np.ndarray
    """[component, 24] the channel's share of a day's orders per local hour."""
    weekday_factors: np.ndarray
    """[component, 7] the channel's weekday factor."""


def components(
    demand: Demand, region_shares: Mapping[str, float], calendar: WorkCalendar
) -> Components:
    """The components of ``demand`` with ``region_shares`` (shares of orders by region)."""
    channels = tuple(sorted(demand.channels))
    regions = tuple(sorted(region_shares))
    channel_of = np.repeat(np.arange(len(channels)), len(regions))
    region_of = np.tile(np.arange(len(regions)), len(channels))
    share = np.array(
        [
            demand.channels[channels[c]] * region_shares[regions[r]]
            for c, r in zip(channel_of, region_of, strict=True)
        ]
    )
    hours = []
    days = []
    for channel in channels:
        profile = demand.channel_profiles.get(channel)
        weights = np.asarray(
            profile.hourly_weights if profile else demand.hourly_weights, dtype=float
        )
        hours.append(weights / weights.sum())
        factors = profile.weekday_factors if profile and profile.weekday_factors else None
        days.append(np.asarray(factors or demand.weekday_factors, dtype=float))
    offsets = np.array([region_utc_offset_h(demand, r, calendar) * HOUR for r in regions])
    return Components(
        channels,
        regions,
        channel_of,
        region_of,
        share,
        offsets[region_of],
        np.array(hours)[channel_of],
        np.array(days)[channel_of],
    )


@dataclass(frozen=True)
class DayFactors:
    """A multiplier per local calendar date, as day numbers since 1970-01-01."""

    first_day: int
    values: np.ndarray

    def at(self, day_numbers: np.ndarray) -> np.ndarray:
        """The factors of ``day_numbers`` (1 outside the drawn range)."""
        index = day_numbers - self.first_day
        inside = (index >= 0) & (index < len(self.values))
        out = np.ones(day_numbers.shape)
        out[inside] = self.values[index[inside]]
        return out


def _day_range(start: datetime, end_s: float) -> tuple[int, int]:
    """Day numbers of the first and last local dates any region can see in [0, end_s]."""
    epoch = start.timestamp()
    return math.floor((epoch - 14 * HOUR) / DAY), math.floor((epoch + end_s + 14 * HOUR) / DAY)


def day_factors(
    demand: Demand, start: datetime, end_s: float, rng: np.random.Generator
) -> DayFactors:
    """Gamma factors with mean 1 and CV ``demand.day_dispersion``, one per local date."""
    first, last = _day_range(start, end_s)
    count = last - first + 1
    cv = demand.day_dispersion
    if cv <= 0:
        return DayFactors(first, np.ones(count))
    shape = 1.0 / (cv * cv)
    return DayFactors(first, rng.gamma(shape, 1.0 / shape, count))


def period_end_multipliers(demand: Demand, day_numbers: np.ndarray) -> np.ndarray:
    """Month-end and quarter-end multipliers of local dates (business days Monday-Friday)."""
    days = day_numbers.astype("datetime64[D]")
    out = np.ones(days.shape)
    busy = np.is_busday(days)
    months = days.astype("datetime64[M]")
    month_index = months.astype(np.int64)
    next_month = (months + 1).astype("datetime64[D]")
    next_quarter = ((month_index // 3 + 1) * 3).astype("datetime64[M]").astype("datetime64[D]")
    for surge, period_end in ((demand.month_end, next_month), (demand.quarter_end, next_quarter)):
        if surge.business_days <= 0 or surge.multiplier == 1:
            continue
        left = np.busday_count(days + 1, period_end)  # business days after this one
        out[busy & (left < surge.business_days)] *= surge.multiplier
    return out


def component_rates(
    demand: Demand,
    parts: Components,
    start: datetime,
    instants: np.ndarray,
    factors: DayFactors | None,
) -> np.ndarray:
    """[component, instant] orders per second at ``instants`` (seconds since the start).

    Peaks and promotions are not included (they multiply pieces of time, see the plan).
    """
    local = start.timestamp() + instants[None, :] + parts.offset_s[:, None]
    day_number = np.floor(local / DAY).astype(np.int64)
    weekday = (day_number + _EPOCH_WEEKDAY) % 7
    hour = ((local % DAY) // HOUR).astype(np.int64)
    rows = np.arange(len(parts.share))[:, None]
    rate = (
        demand.orders_per_business_day
        * parts.share[:, None]
        * parts.weekday_factors[rows, weekday]
        * parts.hour_weights[rows, hour]
        * period_end_multipliers(demand, day_number)
        / HOUR
    )
    if factors is not None:
        rate = rate * factors.at(day_number)
    result: np.ndarray = rate
    return result
