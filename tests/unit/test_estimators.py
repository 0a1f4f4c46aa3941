"""Unit tests of sim.estimators: intervals, warm-up deletion, Erlang B/C and Jackson tandems."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from sim.estimators import (
    ConfidenceInterval,
    after_warmup,
    erlang_b,
    erlang_c,
    jackson_tandem_sojourn,
    replication_interval,
)


def textbook_erlang_c(c: int, a: int) -> Fraction:
    """P(wait) from the factorial-sum formula, in exact rational arithmetic."""
    terms = sum(Fraction(a**k, math.factorial(k)) for k in range(c))
    top = Fraction(a**c, math.factorial(c)) * Fraction(c, c - a)
    return top / (terms + top)


# --- Erlang B / C ---------------------------------------------------------------------


def test_mm1_at_half_load() -> None:
    m = erlang_c(1, 0.5, 1.0)
    assert m.p_wait == pytest.approx(0.5)
    assert m.wq == pytest.approx(1.0)
    assert m.lq == pytest.approx(0.5)
    assert m.w == pytest.approx(2.0)
    assert m.l == pytest.approx(1.0)


def test_mm2_with_unit_rates() -> None:
    m = erlang_c(2, 1.0, 1.0)
    assert m.p_wait == pytest.approx(1 / 3)
    assert m.wq == pytest.approx(1 / 3)
    assert m.lq == pytest.approx(1 / 3)
    assert m.w == pytest.approx(4 / 3)


def test_mm1_closed_forms_across_loads() -> None:
    for rho in (0.1, 0.5, 0.9, 0.99):
        m = erlang_c(1, rho * 2.0, 2.0)
        assert m.p_wait == pytest.approx(rho)
        assert m.wq == pytest.approx(rho / (2.0 - rho * 2.0))
        assert m.l == pytest.approx(rho / (1 - rho))


@pytest.mark.parametrize(("c", "a"), [(3, 2), (10, 8), (20, 17), (60, 48)])
def test_erlang_c_matches_the_exact_factorial_formula(c: int, a: int) -> None:
    assert erlang_c(c, float(a), 1.0).p_wait == pytest.approx(float(textbook_erlang_c(c, a)))


def test_erlang_c_published_call_centre_value() -> None:
    # 10 agents, 8 Erlangs of traffic: P(wait) = 0.40918 (standard Erlang C tables).
    assert erlang_c(10, 8.0, 1.0).p_wait == pytest.approx(0.40918, abs=5e-5)


def test_erlang_c_is_stable_for_large_systems() -> None:
    m = erlang_c(2_000, 1_960.0, 1.0)  # factorials would overflow a float long before this
    assert 0.0 < m.p_wait < 1.0
    assert math.isfinite(m.wq) and m.lq == pytest.approx(1_960.0 * m.wq)


def test_littles_law_holds_in_the_metrics() -> None:
    m = erlang_c(4, 3.0, 0.9)
    assert m.lq == pytest.approx(3.0 * m.wq)
    assert m.l == pytest.approx(3.0 * m.w)
    assert m.w == pytest.approx(m.wq + 1 / 0.9)


def test_erlang_b_known_values() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(3, 0.0) == 0.0


@pytest.mark.parametrize(("c", "lam", "mu"), [(1, 1.0, 1.0), (2, 3.0, 1.0), (1, 0.0, 1.0)])
def test_unstable_or_degenerate_stations_are_refused(c: int, lam: float, mu: float) -> None:
    with pytest.raises(ValueError):
        erlang_c(c, lam, mu)


def test_erlang_b_refuses_no_servers() -> None:
    with pytest.raises(ValueError, match="at least one server"):
        erlang_b(0, 1.0)


# --- Jackson tandem -------------------------------------------------------------------


def test_tandem_is_the_sum_of_its_stations() -> None:
    stages = [(2, 1.0), (4, 1 / 2.8), (1, 2.0)]
    tandem = jackson_tandem_sojourn(1.0, stages)
    singles = [erlang_c(c, 1.0, mu) for c, mu in stages]
    assert tandem.stages == tuple(singles)
    assert tandem.total == pytest.approx(sum(m.w for m in singles))
    assert tandem.total_wait == pytest.approx(sum(m.wq for m in singles))


def test_tandem_of_two_mm1_stations() -> None:
    tandem = jackson_tandem_sojourn(1.0, [(1, 2.0), (1, 4.0)])
    assert tandem.total == pytest.approx(1 / (2 - 1) + 1 / (4 - 1))


def test_tandem_rejects_no_stages_and_an_unstable_stage() -> None:
    with pytest.raises(ValueError):
        jackson_tandem_sojourn(1.0, [])
    with pytest.raises(ValueError, match="unstable"):
        jackson_tandem_sojourn(1.0, [(1, 2.0), (1, 0.5)])


# --- intervals ------------------------------------------------------------------------


def test_replication_interval_uses_student_t() -> None:
    ci = replication_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    # t(0.975, 4) = 2.776445; s = sqrt(2.5)
    assert ci.mean == 3.0 and ci.n == 5 and ci.level == 0.95
    assert ci.half_width == pytest.approx(2.776445 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)
    assert ci.low == pytest.approx(3.0 - ci.half_width)
    assert ci.high == pytest.approx(3.0 + ci.half_width)


def test_higher_level_is_wider() -> None:
    values = [0.9, 1.1, 1.0, 1.3, 0.8, 1.05]
    assert replication_interval(values, 0.99).half_width > replication_interval(values).half_width
    assert replication_interval(values, 0.5).half_width < replication_interval(values).half_width


@pytest.mark.parametrize(
    ("values", "level", "match"),
    [([1.0], 0.95, "at least two"), ([1.0, math.nan], 0.95, "finite"), ([1.0, 2.0], 1.0, "level")],
)
def test_replication_interval_refuses_bad_input(
    values: list[float], level: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        replication_interval(values, level)


def test_replication_interval_covers_normal_means_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(12345)
    samples = rng.normal(10.0, 2.0, size=(4_000, 5))
    hits = sum(replication_interval(row).contains(10.0) for row in samples)
    assert 0.94 <= hits / 4_000 <= 0.96


def test_interval_membership_and_relative_error() -> None:
    ci = ConfidenceInterval(mean=10.0, half_width=1.0, low=9.0, high=11.0, n=10, level=0.95)
    assert ci.contains(9.0) and ci.contains(11.0) and not ci.contains(11.01)
    assert ci.relative_error(12.5) == pytest.approx(0.2)
    assert ci.relative_error(0.0) == math.inf
    assert ci.agrees_with(10.9)  # inside
    assert not ci.agrees_with(12.0)  # outside and 17% off
    assert ci.agrees_with(12.0, rel_tol=0.2)
    narrow = ConfidenceInterval(mean=10.0, half_width=0.1, low=9.9, high=10.1, n=10, level=0.95)
    assert not narrow.contains(10.25) and narrow.agrees_with(10.25)  # outside but 2.4% off
    assert not narrow.agrees_with(10.35)  # outside and 3.4% off
    assert "95% CI" in str(ci)


# --- warm-up deletion -----------------------------------------------------------------


def test_after_warmup_selects_by_arrival_time() -> None:
    arrivals = np.array([0.0, 5.0, 10.0, 15.0, 20.0])
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert list(after_warmup(arrivals, values, 10.0)) == [3.0, 4.0, 5.0]
    assert list(after_warmup(arrivals, values, 5.0, end=20.0)) == [2.0, 3.0, 4.0]
    assert after_warmup(arrivals, values, 100.0).size == 0


def test_after_warmup_refuses_mismatched_input() -> None:
    with pytest.raises(ValueError, match="shape"):
        after_warmup([1.0, 2.0], [1.0], 0.0)
    with pytest.raises(ValueError, match="before the warm-up"):
        after_warmup([1.0], [1.0], 5.0, end=1.0)
