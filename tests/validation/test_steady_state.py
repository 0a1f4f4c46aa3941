"""Steady state: the baseline's daily credit-hold and backorder shares have no weekly trend.

A scaled-down baseline (a seventh of the orders, customers and products, so orders per
customer and per product stay as in the baseline) runs Monday to Friday under several
seeds. For each seed and day of acceptance we take the share of that day's orders put on
credit hold and the share that got a backorder, and fit share = a_seed + b * day by least
squares (a fixed effect per seed). A trend is a slope ``b`` whose 95% confidence interval
(t distribution on the residual degrees of freedom) excludes zero.

The warm world shows no trend; the same test rejects a cold world (``warm_start.enabled:
false``), where nothing posted before time zero is ever paid, so exposure and credit holds
ramp through the week, and stock starts as arbitrary cover with nothing on order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.history_frame import history_frame, rows
from sim.scenario import load_scenario
from sim.world import build_world

pytestmark = pytest.mark.validation

SEEDS = (1, 2, 3, 4)
SCALED = [
    "demand.orders_per_business_day=315",
    "master_data.customers=215",
    "master_data.products=115",
    "demand_days=5",
    "drain_days=0.25",
]
"""The baseline at a seventh of its size; the run ends once Friday's orders are allocated."""


def daily_shares(warm: bool, seed: int) -> pd.DataFrame:
    """Per day of acceptance: the share of orders held for credit and the share backordered."""
    scenario = load_scenario(
        "scenarios/baseline.yaml", [*SCALED, f"warm_start.enabled={str(warm).lower()}"]
    )
    world = build_world(scenario, seed)
    world.run.sim.run(until=world.horizon_s)
    frame = history_frame(world.run.history)
    accepted = rows(frame, "crm.quote_accepted")
    holds = rows(frame, "erp.hold_placed")
    held = holds.loc[holds["status"] == "credit_hold", "order"].unique()
    backordered = rows(frame, "erp.backorder_created")["order"].unique()
    orders = pd.DataFrame(
        {
            "day": (accepted["time"].to_numpy() // 86_400).astype(int),
            "credit_hold": accepted["order"].isin(held).to_numpy(),
            "backorder": accepted["order"].isin(backordered).to_numpy(),
        }
    )
    shares = orders.groupby("day")[["credit_hold", "backorder"]].mean()
    return shares.assign(seed=seed).reset_index()


def trend(shares: pd.DataFrame, column: str) -> tuple[float, float, float]:
    """Slope per day of ``column`` with a fixed effect per seed, and its 95% interval."""
    y = shares[column] - shares.groupby("seed")[column].transform("mean")
    x = shares["day"] - shares.groupby("seed")["day"].transform("mean")
    slope = float((x * y).sum() / (x * x).sum())
    residuals = y - slope * x
    dof = len(shares) - shares["seed"].nunique() - 1
    se = float(np.sqrt((residuals**2).sum() / dof / (x * x).sum()))
    half = float(stats.t.ppf(0.975, dof)) * se
    return slope, slope - half, slope + half


@pytest.fixture(scope="module")
def warm_shares() -> pd.DataFrame:
    return pd.concat([daily_shares(True, seed) for seed in SEEDS], ignore_index=True)


@pytest.fixture(scope="module")
def cold_shares() -> pd.DataFrame:
    return pd.concat([daily_shares(False, seed) for seed in SEEDS], ignore_index=True)


@pytest.mark.parametrize("column", ["credit_hold", "backorder"])
def test_warm_world_has_no_trend_across_the_week(warm_shares: pd.DataFrame, column: str) -> None:
    assert set(warm_shares["day"]) == {0, 1, 2, 3, 4}
    slope, low, high = trend(warm_shares, column)
    assert low <= 0.0 <= high, f"{column}: slope {slope:.4f}/day, 95% CI [{low:.4f}, {high:.4f}]"
    assert warm_shares[column].mean() > 0.005, "the share is not degenerate"


@pytest.mark.parametrize("column", ["credit_hold", "backorder"])
def test_the_same_test_rejects_a_cold_world(cold_shares: pd.DataFrame, column: str) -> None:
    slope, low, high = trend(cold_shares, column)
    assert low > 0.0, f"{column}: slope {slope:.4f}/day, 95% CI [{low:.4f}, {high:.4f}]"
