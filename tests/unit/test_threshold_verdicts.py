"""Thresholds across replications follow the one verdict rule (sim.verdicts)."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from sim.scenario import Scenario, SlaTarget
from sim.verdicts import (
    gate_count,
    lower_bound,
    replicated_threshold_verdicts,
    threshold_verdict_across,
    upper_bound,
)


def test_below_a_limit_is_judged_on_the_upper_bound() -> None:
    values = [0.8, 0.9, 1.0, 0.95]  # every replication under 1.0, the bound is not
    verdict = threshold_verdict_across("x < 1", "x", values, k=1)
    assert verdict.bound == pytest.approx(upper_bound(values, 0.95))
    assert verdict.bound > 1.0 and not verdict.passed
    assert threshold_verdict_across("x < 2", "x", values, k=1).passed


def test_above_a_limit_is_judged_on_the_lower_bound() -> None:
    values = [0.96, 0.97, 0.99, 0.94]
    verdict = threshold_verdict_across("fill >= 95%", "fill", values, k=1)
    n, mean, s = 4, sum(values) / 4, stats.tstd(values)
    assert verdict.bound == pytest.approx(mean - stats.t.ppf(0.95, n - 1) * s / math.sqrt(n))
    assert verdict.bound == pytest.approx(lower_bound(values, 0.95))
    assert not verdict.passed  # mean 0.965, but the lower bound dips under 0.95
    assert threshold_verdict_across("fill >= 90%", "fill", values, k=1).passed


def test_equality_needs_every_replication_equal() -> None:
    assert threshold_verdict_across("dead_letters == 0", "d", [0, 0, 0], k=1).passed
    one = threshold_verdict_across("dead_letters == 0", "d", [0, 0, 1], k=1)
    assert not one.passed and one.bound == 1.0


def test_bonferroni_counts_slas_and_thresholds_together() -> None:
    scenario = Scenario(
        name="x",
        slas={"order_creation_latency": SlaTarget(max_s=60)},
        thresholds=("dead_letters == 0", "crm_staleness < 2%"),
    )
    assert gate_count(scenario) == 3
    verdict = threshold_verdict_across("x < 1", "x", [0.1, 0.2], k=3)
    assert verdict.level == pytest.approx(1 - 0.05 / 3)


def test_an_unknown_figure_in_any_replication_fails_the_threshold() -> None:
    ok = {"thresholds": {"x < 1": {"observed": 0.5, "figure": "x"}}}
    unknown = {"thresholds": {"x < 1": {"observed": None, "figure": None, "error": "no figure"}}}
    verdicts = replicated_threshold_verdicts([ok, unknown], ["x < 1"])
    assert not verdicts["x < 1"].passed
    assert replicated_threshold_verdicts([ok, ok], ["x < 1"])["x < 1"].passed
