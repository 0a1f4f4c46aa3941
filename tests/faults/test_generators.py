"""Statistical validation of the fault generators and the limits that throttling enforces.

* Random failures (``random: {mtbf_h, mttr_h, mttr_cv}``) give the availability
  MTBF / (MTBF + MTTR) of an alternating renewal process: checked with a t-interval over
  independent replications, which must also reject a deliberately wrong target.
* The sliding-window limiters admit exactly their documented number of requests in any
  window, refuse only when the window is full, and a refusal's Retry-After is the instant
  the window next admits: Hypothesis properties over random arrivals.
* The execution-time window and the concurrency caps (Salesforce counts only requests that
  have run 20 s or more) decide exactly as their model says.
"""

from __future__ import annotations

import copy
import itertools
import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.engine import (
    RandomStreams,
    RateLimitSpec,
    ServiceProtection,
    SlidingWindowLimiter,
    ThrottleSpec,
    throttle_preset,
)
from sim.engine.calendar import HOUR, WorkCalendar
from sim.faults import FaultTiming, RandomFailures
from sim.faults.timing import windows_of

pytestmark = pytest.mark.validation

CALENDAR = WorkCalendar(datetime(2026, 11, 23, tzinfo=UTC))
REPLICATIONS = 200
HORIZON_H = 5000.0
LEVEL = 0.99

# ============================================================================ random failures


def replications(failures: RandomFailures) -> list[list[tuple[float, float]]]:
    """The windows of ``REPLICATIONS`` independent runs (seeds 0, 1, ...)."""
    timing = FaultTiming(random=failures)
    return [
        windows_of(
            timing,
            HORIZON_H * HOUR,
            CALENDAR,
            RandomStreams(seed).stream("faults.0.outage.erp"),
        )
        for seed in range(REPLICATIONS)
    ]


def t_interval(sample: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    mean = float(np.mean(sample))
    half = float(stats.t.ppf(0.5 + level / 2, len(sample) - 1) * stats.sem(sample))
    return mean - half, mean + half


def availability(runs: list[list[tuple[float, float]]]) -> np.ndarray:
    """Per replication: the share of the horizon the target was up."""
    horizon = HORIZON_H * HOUR
    return np.array([1.0 - sum(e - s for s, e in windows) / horizon for windows in runs])


FAILURES = [
    RandomFailures(mtbf_h=10, mttr_h=2),  # exponential repairs
    RandomFailures(mtbf_h=40, mttr_h=4, mttr_cv=0.5),  # lognormal repairs
    RandomFailures(mtbf_h=72, mttr_h=1.5, mttr_cv=2.0),  # rare, heavy-tailed repairs
]


@pytest.mark.parametrize("failures", FAILURES, ids=lambda f: f"mtbf{f.mtbf_h}-cv{f.mttr_cv}")
def test_random_failures_achieve_the_availability_mtbf_over_mtbf_plus_mttr(
    failures: RandomFailures,
) -> None:
    low, high = t_interval(availability(replications(failures)))
    mtbf, mttr = failures.mtbf_h, failures.mttr_h
    target = mtbf / (mtbf + mttr)
    assert low <= target <= high, (low, target, high)
    # the same interval tells a wrong availability apart: repairs twice as long
    wrong = mtbf / (mtbf + 2 * mttr)
    assert not low <= wrong <= high, (low, wrong, high)
    assert high - low < 0.1 * (target - wrong)  # and not by a hair


@pytest.mark.parametrize("failures", FAILURES, ids=lambda f: f"mtbf{f.mtbf_h}-cv{f.mttr_cv}")
def test_up_and_repair_times_have_the_means_and_spread_asked_for(
    failures: RandomFailures,
) -> None:
    runs = replications(failures)
    # the first cycles of each run, far from the horizon: whole, and not length-biased
    cycles = 20
    assert min(len(windows) for windows in runs) > cycles
    repairs = np.array([(e - s) / HOUR for windows in runs for s, e in windows[:cycles]])
    ups = np.array(
        [
            (start - previous_end) / HOUR
            for windows in runs
            for (_, previous_end), (start, _) in zip(
                [(0.0, 0.0), *windows[: cycles - 1]], windows[:cycles], strict=True
            )
        ]
    )
    assert len(repairs) == len(ups) == cycles * REPLICATIONS
    for sample, mean in ((repairs, failures.mttr_h), (ups, failures.mtbf_h)):
        low, high = t_interval(sample)
        assert low <= mean <= high, (low, mean, high)
    cv = failures.mttr_cv if failures.mttr_cv is not None else 1.0  # exponential: cv 1
    assert float(np.std(repairs) / np.mean(repairs)) == pytest.approx(cv, rel=0.15)
    assert float(np.std(ups) / np.mean(ups)) == pytest.approx(1.0, rel=0.1)
    if failures.mttr_cv is not None:  # lognormal: the log of repair times is normal
        assert (
            stats.kstest(
                np.log(repairs),
                "norm",
                args=(np.mean(np.log(repairs)), np.std(np.log(repairs))),
            ).pvalue
            > 0.001
        )


def test_random_failures_are_a_function_of_the_seed() -> None:
    timing = FaultTiming(random=RandomFailures(mtbf_h=10, mttr_h=2))
    horizon = 500 * HOUR

    def draw(seed: int) -> list[tuple[float, float]]:
        return windows_of(timing, horizon, CALENDAR, RandomStreams(seed).stream("faults.0.x.y"))

    assert draw(1) == draw(1)
    assert draw(1) != draw(2)
    windows = draw(1)
    assert all(s < e <= horizon for s, e in windows)
    assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(windows))


# ============================================================================ request windows
# Arrival times lie on a binary grid (multiples of 1/8 s) and windows are whole or half
# seconds, so ``t - window`` and ``t + retry_after`` are exact and the model below is the
# documented rule itself. The test at the end of this section retries exactly at the
# Retry-After a refusal gave, where rounding once turned a refusal into an admission.

Admit = Callable[[float], float]
Limiter = SlidingWindowLimiter | ServiceProtection


def sliding(requests: int, window: float) -> Limiter:
    return SlidingWindowLimiter(RateLimitSpec(requests=requests, window_s=window))


def protection(requests: int, window: float) -> Limiter:
    return ServiceProtection(ThrottleSpec(requests=requests, window_s=window))


def admit_of(limiter: Limiter) -> Admit:
    if isinstance(limiter, ServiceProtection):
        return lambda now: limiter.admit(now, 0)
    return limiter.admit


LIMITERS = {"sliding_window": sliding, "service_protection": protection}
Make = Callable[[int, float], Limiter]


@dataclass
class Decision:
    at: float
    retry_after: float
    before: Limiter | None  # the limiter's state before a refusal

    @property
    def admitted(self) -> bool:
        return self.retry_after == 0.0


def decide(make: Make, requests: int, window: float, arrivals: list[float]) -> list[Decision]:
    limiter = make(requests, window)
    admit = admit_of(limiter)
    decisions = []
    for at in arrivals:
        before = copy.deepcopy(limiter)
        retry_after = admit(at)
        decisions.append(Decision(at, retry_after, None if retry_after == 0.0 else before))
    return decisions


def in_window(admitted: list[float], at: float, window: float) -> list[float]:
    """The admissions (sorted) in the half-open window (at - window, at]."""
    return admitted[bisect_right(admitted, at - window) : bisect_right(admitted, at)]


def window_admits(state: Limiter, at: float) -> bool:
    return admit_of(copy.deepcopy(state))(at) == 0.0


grid_times = st.integers(min_value=0, max_value=8 * 600).map(lambda tick: tick / 8)
arrival_times = st.lists(grid_times, min_size=1, max_size=150).map(sorted)
limits = st.integers(min_value=1, max_value=10)
window_lengths = st.sampled_from([0.5, 1.0, 7.0, 60.0, 300.0, 86_400.0])


@pytest.mark.parametrize("make", LIMITERS.values(), ids=LIMITERS.keys())
@settings(max_examples=200, deadline=None)
@given(requests=limits, window=window_lengths, arrivals=arrival_times)
def test_a_request_window_admits_at_most_its_limit_and_refuses_only_when_full(
    make: Make, requests: int, window: float, arrivals: list[float]
) -> None:
    admitted: list[float] = []
    for decision in decide(make, requests, window, arrivals):
        full = len(in_window(admitted, decision.at, window)) >= requests
        assert decision.admitted != full, decision  # admitted exactly when there is room
        if decision.admitted:
            admitted.append(decision.at)
    # for every admitted request, the window ending at it holds at most ``requests``
    assert all(len(in_window(admitted, at, window)) <= requests for at in admitted)


@pytest.mark.parametrize("make", LIMITERS.values(), ids=LIMITERS.keys())
@settings(max_examples=100, deadline=None)
@given(requests=limits, window=window_lengths, data=st.data())
def test_under_saturation_some_window_holds_exactly_the_limit(
    make: Make, requests: int, window: float, data: st.DataObject
) -> None:
    # thirty times the limit over three windows: at least ten times it in one of them
    ticks = data.draw(
        st.lists(
            st.integers(min_value=0, max_value=int(3 * window * 8)),
            min_size=30 * requests,
            max_size=30 * requests,
        )
    )
    decisions = decide(make, requests, window, sorted(t / 8 for t in ticks))
    admitted = [d.at for d in decisions if d.admitted]
    assert max(len(in_window(admitted, at, window)) for at in admitted) == requests
    assert any(not d.admitted for d in decisions)


@pytest.mark.parametrize("make", LIMITERS.values(), ids=LIMITERS.keys())
@settings(max_examples=200, deadline=None)
@given(requests=limits, window=window_lengths, arrivals=arrival_times)
def test_retry_after_is_the_instant_the_window_next_admits(
    make: Make, requests: int, window: float, arrivals: list[float]
) -> None:
    admitted: list[float] = []
    for decision in decide(make, requests, window, arrivals):
        if decision.admitted:
            admitted.append(decision.at)
            continue
        assert decision.retry_after > 0.0
        oldest = in_window(admitted, decision.at, window)[0]
        reopens = decision.at + decision.retry_after
        assert reopens == oldest + window  # when the oldest admission leaves the window
        assert decision.before is not None
        assert window_admits(decision.before, reopens)
        assert not window_admits(decision.before, math.nextafter(reopens, -math.inf))


def test_a_burst_is_admitted_up_to_the_limit_then_refused_until_the_oldest_leaves() -> None:
    for make in LIMITERS.values():
        limiter = make(3, 60.0)
        admit = admit_of(limiter)
        assert [admit(t) for t in (0.0, 10.0, 20.0, 30.0, 59.5)] == [0.0, 0.0, 0.0, 30.0, 0.5]
        assert admit(60.0) == 0.0  # (0, 60] no longer holds the admission at 0
        assert admit(60.0) == 10.0


@pytest.mark.parametrize("make", LIMITERS.values(), ids=LIMITERS.keys())
def test_a_retry_exactly_at_retry_after_is_counted(make: Make) -> None:
    limiter = make(1, 300.0)
    admit = admit_of(limiter)
    assert admit(0.2) == 0.0
    retry_after = admit(1.2)
    assert retry_after == 299.0
    retry_at = 1.2 + retry_after
    answers = [admit(retry_at) for _ in range(5)]  # five callers refused in the same burst
    assert answers.count(0.0) <= 1  # at most one request per 300 s


# ============================================================================ execution and caps


@dataclass(frozen=True)
class Request:
    at: float
    service: float


requests_with_service = st.lists(
    st.builds(
        Request,
        at=st.integers(min_value=0, max_value=8000).map(lambda t: t / 8),
        service=st.integers(min_value=1, max_value=800).map(lambda t: t / 8),
    ),
    min_size=1,
    max_size=150,
).map(lambda rs: sorted(rs, key=lambda r: r.at))


@settings(max_examples=300, deadline=None)
@given(
    budget=st.integers(min_value=1, max_value=400).map(float),
    window=st.sampled_from([10.0, 60.0, 300.0]),
    arrivals=requests_with_service,
)
def test_the_execution_window_admits_while_the_server_time_used_is_below_budget(
    budget: float, window: float, arrivals: list[Request]
) -> None:
    guard = ServiceProtection(ThrottleSpec(execution_s=budget, window_s=window))
    started: list[Request] = []
    for request in arrivals:
        now = request.at
        in_force = [r for r in started if now - window < r.at <= now]
        used = sum(r.service for r in in_force)
        retry_after = guard.admit(now, 0)
        if used < budget:
            assert retry_after == 0.0
            guard.started(now, request.service)
            started.append(request)
        else:
            # refused until the oldest start in the window leaves it
            assert retry_after == pytest.approx(max(in_force[0].at + window - now, 1e-9))
    # the window ending at each admission holds less than budget plus that last request
    for index, request in enumerate(started):
        in_force = [r for r in started[: index + 1] if request.at - window < r.at]
        assert sum(r.service for r in in_force) < budget + request.service


@settings(max_examples=300, deadline=None)
@given(
    cap=st.integers(min_value=1, max_value=6),
    arrivals=st.lists(
        st.builds(
            Request,
            at=st.integers(min_value=0, max_value=2400).map(lambda t: t / 8),
            service=st.sampled_from([1.0, 10.0, 19.875, 20.0, 20.125, 45.0, 300.0]),
        ),
        min_size=1,
        max_size=120,
    ).map(lambda rs: sorted(rs, key=lambda r: r.at)),
)
def test_the_long_running_cap_counts_only_requests_running_20_s_or_more(
    cap: int, arrivals: list[Request]
) -> None:
    spec = ThrottleSpec(long_running_concurrent=cap, long_running_after_s=20.0)
    guard = ServiceProtection(spec)
    started: list[Request] = []
    for request in arrivals:
        now = request.at
        running_long = sum(
            1
            for r in started
            if r.service >= 20.0 and r.at <= now - 20.0 and r.at + r.service > now
        )
        retry_after = guard.admit(now, in_flight=len(started))  # in-flight is not capped here
        if running_long < cap:
            assert retry_after == 0.0, (request, running_long)
            guard.started(now, request.service)
            started.append(request)
        else:
            assert retry_after == spec.concurrent_retry_after_s


def test_short_requests_never_trip_the_salesforce_cap() -> None:
    guard = ServiceProtection(throttle_preset("salesforce"))
    for second in range(1000):  # 1,000 requests of 19.9 s, a new one every second
        assert guard.admit(float(second), in_flight=20) == 0.0
        guard.started(float(second), 19.9)


def test_the_salesforce_cap_is_25_requests_that_have_run_20_s() -> None:
    guard = ServiceProtection(throttle_preset("salesforce"))
    for _ in range(25):
        assert guard.admit(0.0, 0) == 0.0
        guard.started(0.0, 60.0)
    assert guard.admit(19.9, 25) == 0.0  # running, but not yet for 20 s
    guard.started(19.9, 1.0)
    assert guard.admit(20.0, 25) == 1.0  # now 25 have run 20 s
    assert guard.admit(60.0, 0) == 0.0  # they have finished


@settings(max_examples=200, deadline=None)
@given(cap=st.integers(min_value=1, max_value=100), in_flight=st.integers(0, 200))
def test_the_concurrency_cap_refuses_exactly_at_the_cap(cap: int, in_flight: int) -> None:
    guard = ServiceProtection(ThrottleSpec(concurrent=cap, concurrent_retry_after_s=2.5))
    assert guard.admit(0.0, in_flight) == (2.5 if in_flight >= cap else 0.0)


@pytest.mark.parametrize("users", [1, 3])
@pytest.mark.parametrize("licences", [0, 250])
def test_the_presets_carry_the_documented_limits(users: int, licences: int) -> None:
    dataverse = throttle_preset("dataverse", users=users)
    assert (dataverse.requests, dataverse.window_s) == (6_000 * users, 300.0)
    assert (dataverse.execution_s, dataverse.concurrent) == (1_200.0 * users, 52 * users)
    salesforce = throttle_preset("salesforce", licences=licences)
    assert (salesforce.requests, salesforce.window_s) == (100_000 + 1_000 * licences, 86_400.0)
    assert (salesforce.long_running_concurrent, salesforce.long_running_after_s) == (25, 20.0)
    assert salesforce.concurrent is None and salesforce.execution_s is None
