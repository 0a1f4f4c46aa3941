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
