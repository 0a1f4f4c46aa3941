"""The SLA rule across replications, on hand-made per-replication statistics.

Known answers: five replications with p95s 10, 12, 14, 16, 18 s have mean 14, sample
standard deviation sqrt(10) and standard error sqrt(2). The one-sided t quantiles with four
degrees of freedom are t(0.95) = 2.131847 (one SLA) and t(0.975) = 2.776445 (two SLAs,
Bonferroni: 1 - 0.05 / 2); so the upper bounds are 17.0149 s and 17.9264 s.
"""

from __future__ import annotations

import math

import pytest

from sim.scenario import SlaTarget
from sim.verdicts import replicated_sla_verdicts, sla_verdicts_across, upper_bound

P95S = [10.0, 12.0, 14.0, 16.0, 18.0]
SE = math.sqrt(2.0)
BOUND_ONE = 14.0 + 2.131847 * SE  # 17.0149
BOUND_TWO = 14.0 + 2.776445 * SE  # 17.9264


def target(max_s: float, percentile: float = 95) -> SlaTarget:
    return SlaTarget(percentile=percentile, max_s=max_s)


def test_upper_bound_known_answer() -> None:
    assert upper_bound(P95S, 0.95) == pytest.approx(BOUND_ONE, abs=1e-5)
    assert upper_bound(P95S, 0.975) == pytest.approx(BOUND_TWO, abs=1e-5)


def test_the_mean_passes_but_the_upper_bound_fails() -> None:
    verdict = sla_verdicts_across(
        {"order_creation_latency": P95S}, {"order_creation_latency": target(17.0)}
    )["order_creation_latency"]
    assert verdict.mean == pytest.approx(14.0) and verdict.mean < 17.0
    assert verdict.upper_bound == pytest.approx(BOUND_ONE, abs=1e-5)
    assert verdict.passed is False
    assert (verdict.n, verdict.k, verdict.level) == (5, 1, pytest.approx(0.95))
    # the displayed interval is the two-sided 95% one: t(0.975, 4) s / sqrt(n)
    assert verdict.half_width == pytest.approx(2.776445 * SE, abs=1e-5)
    passing = sla_verdicts_across({"m": P95S}, {"m": target(17.02)})["m"]
    assert passing.passed is True


def test_bonferroni_over_the_scenario_slas() -> None:
    one = sla_verdicts_across({"a": P95S}, {"a": target(17.5)})
    two = sla_verdicts_across(
        {"a": P95S, "b": [1.0, 1.0, 1.0, 1.0, 1.0]}, {"a": target(17.5), "b": target(2.0)}
    )
    assert one["a"].passed is True  # 17.01 <= 17.5
    assert two["a"].level == pytest.approx(0.975)
    assert two["a"].k == two["b"].k == 2
    assert two["a"].upper_bound == pytest.approx(BOUND_TWO, abs=1e-5)
    assert two["a"].passed is False  # 17.93 > 17.5: the same numbers fail with a second SLA
    assert two["b"].passed is True  # no spread: the bound is the mean


def test_zero_spread_bound_is_the_mean_and_the_target_is_inclusive() -> None:
    verdict = sla_verdicts_across({"m": [5.0, 5.0, 5.0]}, {"m": target(5.0)})["m"]
    assert verdict.upper_bound == 5.0 and verdict.passed is True


@pytest.mark.parametrize(
    ("values", "bound"),
    [([1.0, 2.0, math.inf], math.inf), ([1.0, math.nan, 2.0], math.nan)],
    ids=["unfinished work (infinite p95)", "no sample at all"],
)
def test_a_replication_without_a_finite_statistic_fails_the_sla(
    values: list[float], bound: float
) -> None:
    verdict = sla_verdicts_across({"m": values}, {"m": target(1e12)})["m"]
    assert verdict.passed is False
    assert math.isnan(verdict.upper_bound) if math.isnan(bound) else verdict.upper_bound == bound


def test_fewer_than_two_replications_are_refused() -> None:
    with pytest.raises(ValueError, match="at least two replications"):
        sla_verdicts_across({"m": [3.0]}, {"m": target(10.0)})


def test_statistics_of_unequal_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="different replication counts"):
        sla_verdicts_across(
            {"a": [1.0, 2.0], "b": [1.0, 2.0, 3.0]}, {"a": target(9), "b": target(9)}
        )


def test_the_statistic_is_each_replications_observed_percentile() -> None:
    def metrics(observed: float | None) -> dict[str, object]:
        return {"sla": {"m": {"observed_s": observed, "passed": True}}}

    verdicts = replicated_sla_verdicts([metrics(v) for v in P95S], {"m": target(17.0)})
    assert verdicts["m"].upper_bound == pytest.approx(BOUND_ONE, abs=1e-5)
    assert verdicts["m"].passed is False  # every single run passed; the study does not
    missing = replicated_sla_verdicts([metrics(1.0), metrics(None)], {"m": target(17.0)})
    assert missing["m"].passed is False  # a JSON null (no sample) is NaN: a miss
