"""Heterogeneous customers: heavy-tailed order shares, larger orders, calibrated value."""

from __future__ import annotations

import numpy as np
import pytest

from sim.workload import Workload
from tests.demand.support import FLAT, workload


def _top_decile_share(w: Workload) -> float:
    counts = np.bincount(w.plan.customers, minlength=len(w.master_data.customers))
    top = np.sort(counts)[::-1][: len(counts) // 10]
    return float(top.sum() / counts.sum())


def test_a_few_large_accounts_place_a_large_share_of_orders() -> None:
    heavy = workload(1, FLAT)
    assert _top_decile_share(heavy) > 0.35
    uniform = workload(1, FLAT, master_data={"customers": 300, "order_share_sigma": 0})
    # the top decile of 300 equal customers is about 10% of orders (Poisson noise adds a bit)
    assert 0.08 < _top_decile_share(uniform) < 0.2


def test_order_shares_add_up_to_one_and_keep_the_region_shares() -> None:
    w = workload(2, FLAT)
    shares = w.region_shares()
    assert sum(c.order_share for c in w.master_data.customers) == pytest.approx(1.0)
    for region, share in w.scenario.master_data.regions.items():
        assert shares[region] == pytest.approx(share)


def test_large_accounts_place_larger_orders() -> None:
    def lines_ratio(elasticity: float) -> float:
        w = workload(3, {**FLAT, "lines_per_order_elasticity": elasticity}, demand_days=14)
        shares = np.array([c.order_share for c in w.master_data.customers])
        large = shares[w.plan.customers] >= np.quantile(shares, 0.9)
        return float(w.plan.line_counts[large].mean() / w.plan.line_counts[~large].mean())

    assert lines_ratio(0.3) > 1.3
    assert lines_ratio(0.0) == pytest.approx(1.0, abs=0.1)


def test_credit_limits_are_sized_to_the_customers_volume() -> None:
    def correlation(elasticity: float) -> float:
        md = {"customers": 300, "credit_limit_share_elasticity": elasticity}
        w = workload(4, FLAT, master_data=md)
        shares = np.log([c.order_share for c in w.master_data.customers])
        limits = np.log([max(c.credit_limit, 1.0) for c in w.master_data.customers])
        return float(np.corrcoef(shares, limits)[0, 1])

    assert correlation(1.0) > 0.5
    assert abs(correlation(0.0)) < 0.2


@pytest.mark.parametrize("target", [250.0, 700.0])
def test_the_mean_order_value_at_list_price_is_the_configured_figure(target: float) -> None:
    w = workload(5, {**FLAT, "mean_order_value": target}, demand_days=14)
    prices = np.array([p.list_price for p in w.master_data.products])
    line_values = w.plan.units * prices[w.plan.skus]
    mean = line_values.sum() / len(w.plan.times)
    assert mean == pytest.approx(target, rel=0.1)


def test_an_explicit_list_price_mean_is_not_rescaled() -> None:
    md = {"customers": 300, "products": 2000, "list_price_mean": 12.0}
    w = workload(6, FLAT, master_data=md)
    prices = np.array([p.list_price for p in w.master_data.products])
    assert prices.mean() == pytest.approx(12.0, rel=0.15)
