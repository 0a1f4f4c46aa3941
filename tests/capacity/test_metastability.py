"""A surge that falls back: the world with retries without backoff on a short timeout does
not come back, the same world with a patient caller does; the flag must differ."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.capacity import MetastabilityRule, assess_metastability, step_series
from sim.run import execute
from tests.capacity.support import PATIENT, STORM, SURGE, scenario


@pytest.fixture(scope="module")
def storm() -> pd.DataFrame:
    return step_series(1.0, [execute(scenario(*SURGE, *STORM), seed=1).metrics])


@pytest.fixture(scope="module")
def patient() -> pd.DataFrame:
    return step_series(1.0, [execute(scenario(*SURGE, *PATIENT), seed=1).metrics])


def test_a_retry_storm_outlives_the_surge_and_is_flagged(
    storm: pd.DataFrame, patient: pd.DataFrame
) -> None:
    rule = MetastabilityRule()
    stuck = assess_metastability(storm, rule)
    healthy = assess_metastability(patient, rule)
    assert stuck.assessed and healthy.assessed
    assert stuck.fell_h == healthy.fell_h  # same demand: the load fell at the same hour
    assert stuck.metastable and stuck.retries_elevated
    assert stuck.retries_per_h_watched >= rule.retry_share * stuck.retries_per_h_loaded
    assert not healthy.metastable and not healthy.retries_elevated
    assert healthy.retries_per_h_watched < rule.retry_share * healthy.retries_per_h_loaded


def test_switched_off_the_check_flags_nothing(storm: pd.DataFrame) -> None:
    finding = assess_metastability(storm, MetastabilityRule(enabled=False))
    assert not finding.assessed and not finding.metastable


def _series(queue: list[float], accepted: list[float]) -> pd.DataFrame:
    hours = [float(h) for h in range(len(queue))]
    parts = [
        ("orders", "accepted", accepted),
        ("orders", "retries", [0.0] * len(queue)),
        ("erp.dialog", "queue", queue),
    ]
    return pd.DataFrame(
        {
            "multiplier": 1.0,
            "time_h": hours * len(parts),
            "resource": [r for r, _, v in parts for _ in v],
            "figure": [f for _, f, v in parts for _ in v],
            "value": [x for _, _, v in parts for x in v],
        }
    )


def test_a_queue_growing_after_the_fall_is_flagged_a_batch_burst_is_not() -> None:
    accepted = [10.0, 40.0, 10.0, 10.0, 10.0, 10.0, 10.0]
    rule = MetastabilityRule()
    # the load fell at hour 2; hours 3-5 are watched
    growing = assess_metastability(_series([0, 5, 6, 7, 9, 12, 14], accepted), rule)
    assert growing.metastable and [g.resource for g in growing.stuck] == ["erp.dialog"]
    assert growing.stuck[0].watched == [7.0, 9.0, 12.0]
    burst = assess_metastability(_series([0, 5, 0.5, 0.7, 0.0, 2.0, 0.0], accepted), rule)
    assert burst.assessed and not burst.metastable
