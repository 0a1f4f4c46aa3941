"""The demand calendar: overdispersed days, period-end surges, promotions, channel hours."""

from __future__ import annotations

import numpy as np
import pytest

from sim.demand.rates import period_end_multipliers, region_utc_offset_h
from sim.scenario import Demand
from sim.workload import Workload
from tests.demand.support import FLAT, daily_counts, local_hours, workload


def _dispersion(cv: float) -> float:
    w = workload(
        11, {**FLAT, "day_dispersion": cv, "orders_per_business_day": 100}, demand_days=120
    )
    counts = daily_counts(w)
    return float(counts.var(ddof=1) / counts.mean())


def test_daily_volume_is_overdispersed_with_a_day_factor() -> None:
    assert _dispersion(0.2) > 2.0  # expected 1 + 100 * 0.2**2 = 5


def test_daily_volume_is_poisson_without_it() -> None:
    assert _dispersion(0.0) == pytest.approx(1.0, abs=0.4)


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


def test_period_ends_fall_on_the_last_business_days() -> None:
    demand = Demand()  # month end: last 3 business days x1.25; quarter end: last 5 x1.2
    days = np.array(
        [
            _day(d)
            for d in (
                "2026-03-20",
                "2026-03-25",
                "2026-03-27",
                "2026-03-28",
                "2026-03-31",
                "2026-04-29",
                "2026-04-30",
            )
        ]
    )
    got = period_end_multipliers(demand, days)
    assert got.tolist() == pytest.approx([1.0, 1.2, 1.25 * 1.2, 1.0, 1.25 * 1.2, 1.25, 1.25])


def _month_end_ratio(surge: float) -> float:
    demand = {
        **FLAT,
        "weekday_factors": [1, 1, 1, 1, 1, 0, 0],
        "orders_per_business_day": 400,
        "month_end": {"business_days": 3, "multiplier": surge},
    }
    w = workload(12, demand, start="2026-01-05T00:00:00Z", demand_days=26)
    counts = daily_counts(w)  # day 0 = Monday 5 January
    month_end = counts[[23, 24, 25]]  # Wednesday 28 to Friday 30 January
    mid_month = counts[7:19][np.array([0, 1, 2, 3, 4, 7, 8, 9, 10, 11])]  # 12-16, 19-23 Jan
    return float(month_end.mean() / mid_month.mean())


def test_the_month_end_surge_raises_the_last_days_volume() -> None:
    assert _month_end_ratio(1.5) > 1.3


def test_without_the_surge_the_last_days_are_ordinary() -> None:
    assert _month_end_ratio(1.0) == pytest.approx(1.0, abs=0.1)


def _promoted_line_share(products: list[str]) -> tuple[float, float]:
    promotion = {"window": {"start_h": 24, "end_h": 72}, "multiplier": 3.0, "products": products}
    w = workload(13, {**FLAT, "promotions": [promotion]})
    skus = {f"MAT-{i:06d}" for i in range(5)}
    promoted = np.isin(w.plan.skus, [int(s[4:]) for s in skus])
    order_times = np.repeat(w.plan.times, w.plan.line_counts) / 3600
    inside = (order_times >= 24) & (order_times < 72)
    return float(promoted[inside].mean()), float(promoted[~inside].mean())


def test_a_promotion_shifts_the_product_mix_to_its_products() -> None:
    inside, outside = _promoted_line_share([f"MAT-{i:06d}" for i in range(5)])
    assert inside > outside + 0.3


def test_a_promotion_of_every_product_keeps_the_mix() -> None:
    inside, outside = _promoted_line_share([])
    assert inside == pytest.approx(outside, abs=0.05)


def test_a_promotion_multiplies_the_volume_in_its_window() -> None:
    promotion = {"window": {"start_h": 24, "end_h": 48}, "multiplier": 2.0}
    w = workload(14, {**FLAT, "promotions": [promotion]}, demand_days=3)
    counts = daily_counts(w)
    assert counts[1] / ((counts[0] + counts[2]) / 2) == pytest.approx(2.0, rel=0.15)


def _channel(w: Workload, name: str) -> np.ndarray:
    chosen: np.ndarray = w.plan.channel_idx == w.plan.channels.index(name)
    return chosen


def test_edi_orders_arrive_mostly_at_night_and_field_sales_in_business_hours() -> None:
    w = workload(15)
    hours = local_hours(w)
    edi = hours[_channel(w, "edi")]
    night = (edi >= 21) | (edi < 6)
    assert night.mean() > 0.6
    field = hours[_channel(w, "field_sales")]
    assert ((field >= 7) & (field < 20)).mean() > 0.97
    web = hours[_channel(w, "web_shop")]
    assert ((web >= 18) & (web < 22)).mean() > 0.15  # evenings


def test_without_channel_profiles_every_channel_keeps_the_same_hours() -> None:
    w = workload(15, {"channel_profiles": {}})
    hours = local_hours(w)
    edi = hours[_channel(w, "edi")]
    assert ((edi >= 21) | (edi < 6)).mean() < 0.25


def test_hours_apply_in_the_customers_local_time() -> None:
    def west_business_share(local_time: bool) -> float:
        w = workload(16, {"local_time": local_time})
        hours = local_hours(w)  # read in the region's local time either way
        west = np.array([c.region == "west" for c in w.master_data.customers])[w.plan.customers]
        field = _channel(w, "field_sales") & west
        return float(((hours[field] >= 7) & (hours[field] < 20)).mean())

    assert west_business_share(True) > 0.97
    assert west_business_share(False) < 0.8  # UTC business hours are the west's night


def test_edi_runs_at_weekends_and_field_sales_does_not() -> None:
    w = workload(17)
    offsets = {
        r: region_utc_offset_h(w.scenario.demand, r, w.calendar)
        for r in w.scenario.master_data.regions
    }
    region = np.array([offsets[c.region] for c in w.master_data.customers])
    local_day = ((w.plan.times / 3600 + region[w.plan.customers]) // 24).astype(int)
    weekend = (local_day == 5) | (local_day == 6)  # the default start is a Monday
    assert weekend[_channel(w, "edi")].sum() > 0
    assert weekend[_channel(w, "field_sales")].sum() == 0


def test_a_promotion_of_an_unknown_sku_is_refused() -> None:
    promotion = {
        "window": {"start_h": 1, "end_h": 2},
        "multiplier": 2.0,
        "products": ["MAT-000120"],
    }
    with pytest.raises(ValueError, match=r"promotions\[0\]\.products: unknown SKU"):
        workload(1, {"promotions": [promotion]})  # 120 products: MAT-000000 to MAT-000119
