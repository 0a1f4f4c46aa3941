"""The workload generator reproduces its calendar, channel shares and region shares.

Arrivals per hour of the week are tested against the configured non-homogeneous rates with
a chi-square goodness-of-fit test at significance level 0.01 (hours are pooled so that each
cell expects at least 5 orders). Channel and region shares are tested the same way against
their configured shares. Each test also shows that the same check rejects a generator
with a deliberately wrong configuration.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.engine import RunEnvironment
from sim.engine.calendar import HOUR
from sim.scenario import Scenario
from sim.workload import Workload
from sim.world import scenario_calendar

pytestmark = pytest.mark.validation

ALPHA = 0.01


def _workload(seed: int, **changes: object) -> Workload:
    data: dict[str, object] = {"name": "calendar", "demand_days": 7, "drain_days": 0}
    data.update(changes)
    scenario = Scenario.model_validate(data)
    return Workload(scenario, RunEnvironment(seed), scenario_calendar(scenario))


def _pooled_chi_square(observed: np.ndarray, expected: np.ndarray) -> float:
    """p-value of a chi-square test after pooling adjacent cells to expected >= 5."""
    pooled_obs: list[float] = []
    pooled_exp: list[float] = []
    acc_o = acc_e = 0.0
    for o, e in zip(observed, expected, strict=True):
        acc_o += o
        acc_e += e
        if acc_e >= 5:
            pooled_obs.append(acc_o)
            pooled_exp.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0:
        pooled_obs[-1] += acc_o
        pooled_exp[-1] += acc_e
    obs = np.array(pooled_obs)
    exp = np.array(pooled_exp) * obs.sum() / np.sum(pooled_exp)
    return float(stats.chisquare(obs, exp).pvalue)


def _hourly_counts(workload: Workload) -> np.ndarray:
    hours = int(workload.scenario.demand_days * 24)
    return np.bincount((workload.plan.times // HOUR).astype(int), minlength=hours)[:hours]


def _expected(workload: Workload) -> np.ndarray:
    return workload.hourly_rates()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_arrivals_per_hour_match_the_calendar(seed: int) -> None:
    workload = _workload(seed)
    observed = _hourly_counts(workload)
    expected = _expected(workload)
    assert observed.sum() == pytest.approx(expected.sum(), rel=0.05)
    assert observed[expected == 0].sum() == 0  # no orders where the rate is zero
    assert observed[5 * 24 :].sum() < 0.15 * observed[: 5 * 24].sum()  # a quiet weekend
    assert _pooled_chi_square(observed, expected) > ALPHA


def test_peak_windows_multiply_the_rate() -> None:
    peak = {"multiplier": 3.0, "window": {"start_h": 9, "end_h": 12}}
    workload = _workload(4, demand={"peaks": [peak]})
    observed = _hourly_counts(workload)
    expected = _expected(workload)
    expected[9:12] *= 3.0
    assert _pooled_chi_square(observed, expected) > ALPHA


def test_the_check_rejects_a_shifted_calendar() -> None:
    """Broken variant: the expected profile moved by two hours must be rejected."""
    workload = _workload(1)
    observed = _hourly_counts(workload)
    shifted = np.roll(_expected(workload), 2)
    assert _pooled_chi_square(observed, shifted) < ALPHA


def test_the_check_rejects_a_missing_peak() -> None:
    peak = {"multiplier": 1.5, "window": {"start_h": 8, "end_h": 20}}
    workload = _workload(5, demand={"peaks": [peak]})
    assert _pooled_chi_square(_hourly_counts(workload), _expected(workload)) < ALPHA


def test_channel_shares_match_their_configuration() -> None:
    workload = _workload(6)
    channels = workload.plan.channels
    observed = np.bincount(workload.plan.channel_idx, minlength=len(channels))
    by_channel = workload.expected_orders_by_channel()  # shares x each channel's own days
    expected = np.array([by_channel[c] for c in channels])
    expected *= observed.sum() / expected.sum()
    assert stats.chisquare(observed, expected).pvalue > ALPHA
    wrong = np.array([1 / 3] * 3) * observed.sum()
    assert stats.chisquare(observed, wrong).pvalue < ALPHA


def test_region_shares_match_their_configuration() -> None:
    workload = _workload(7, master_data={"customers": 4000})
    shares = workload.scenario.master_data.regions
    regions = sorted(shares)
    names = [c.region for c in workload.master_data.customers]
    observed = np.array([names.count(r) for r in regions])
    expected = np.array([shares[r] for r in regions]) * observed.sum()
    assert stats.chisquare(observed, expected).pvalue > ALPHA
    wrong = np.full(len(regions), observed.sum() / len(regions))
    assert stats.chisquare(observed, wrong).pvalue < ALPHA
