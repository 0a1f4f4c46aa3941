"""Unit tests of the messaging mechanisms: retry, circuit breaker, bus, resequencing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator
from typing import Any

import numpy as np
import pytest

from sim.engine import CallResult, Constant, LogNormal, RunEnvironment
from sim.integration.canonical import Envelope
from sim.integration.messaging import (
    BREAKER_OPEN,
    GAVE_UP,
    BusSettings,
    CircuitBreaker,
    CircuitBreakerPolicy,
    LatestWins,
    MessageBus,
    Outcome,
    Retrier,
    RetryPolicy,
    SeenIds,
)


def rows(run: RunEnvironment, event: str) -> list[dict[str, Any]]:
    return run.history.select(event)


class Script:
    """An operation that answers from a script, each attempt taking ``duration`` seconds."""

    def __init__(self, run: RunEnvironment, answers: list[Any], duration: float = 0.5) -> None:
        self.run = run
        self.answers = list(answers)
        self.duration = duration
        self.calls: list[float] = []

    def __call__(self) -> Generator[Any, Any, Any]:
        self.calls.append(self.run.now)
        yield self.run.sim.timeout(self.duration)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def drive(run: RunEnvironment, retrier: Retrier, op: Script, order: int = 9) -> list[Any]:
    box: list[Any] = []

    def process() -> Generator[Any, Any, None]:
        answer = yield from retrier.run_call(op, order)
        box.append((run.now, answer))

    run.sim.process(process())
    return box


NO_JITTER = RetryPolicy(max_attempts=4, base_delay_s=2.0, multiplier=2.0, jitter="none")

# ---------------------------------------------------------------------------- Retrier


def test_success_returns_the_answer_without_retrying() -> None:
    run = RunEnvironment(1)
    op = Script(run, ["receipt"])
    result = drive(run, Retrier(run, "erp", NO_JITTER), op)
    run.sim.run()
    assert result == [(0.5, "receipt")]
    assert op.calls == [0.0]
    assert rows(run, "integration.retry") == []


def test_throttled_calls_are_retried_no_sooner_than_retry_after() -> None:
    run = RunEnvironment(1)
    op = Script(run, [CallResult("throttled", 30.0), CallResult("throttled", 1.0), "receipt"])
    result = drive(run, Retrier(run, "crm", NO_JITTER), op)
    run.sim.run()
    # attempt 1 ends 0.5, waits max(2, 30); attempt 2 ends 31, waits max(4, 1); attempt 3
    assert op.calls == [0.0, 30.5, 35.0]
    assert result == [(35.5, "receipt")]
    retries = rows(run, "integration.retry")
    assert [(r["time"], r["subject"], r["status"], r["value"], r["order"]) for r in retries] == [
        (0.5, 1, "throttled", 30.0, 9),
        (31.0, 2, "throttled", 4.0, 9),
    ]
    assert {r["actor"] for r in retries} == {"retry:crm"}


def test_gives_up_after_max_attempts() -> None:
    run = RunEnvironment(1)
    policy = RetryPolicy(max_attempts=3, base_delay_s=2.0, multiplier=2.0, jitter="none")
    op = Script(run, [CallResult("unavailable")])
    result = drive(run, Retrier(run, "wms", policy), op)
    run.sim.run()
    assert op.calls == [0.0, 2.5, 7.0]
    assert result == [(7.5, GAVE_UP)]
    assert [r["value"] for r in rows(run, "integration.retry")] == [2.0, 4.0]


def test_a_single_attempt_policy_never_waits() -> None:
    run = RunEnvironment(1)
    op = Script(run, [CallResult("throttled", 60.0)])
    result = drive(run, Retrier(run, "x", RetryPolicy(max_attempts=1)), op)
    run.sim.run()
    assert result == [(0.5, GAVE_UP)]
    assert rows(run, "integration.retry") == []


def test_backoff_grows_geometrically_up_to_the_cap() -> None:
    run = RunEnvironment(1)
    policy = RetryPolicy(base_delay_s=2.0, multiplier=3.0, max_delay_s=100.0, jitter="none")
    retrier = Retrier(run, "x", policy)
    assert [retrier.delay(a) for a in (1, 2, 3, 4, 5)] == [2.0, 6.0, 18.0, 54.0, 100.0]
    assert retrier.delay(5, retry_after=500.0) == 500.0


def test_full_jitter_stays_within_the_ceiling_and_honours_retry_after() -> None:
    run = RunEnvironment(1)
    retrier = Retrier(run, "x", RetryPolicy(base_delay_s=2.0, multiplier=2.0, max_delay_s=20.0))
    draws = [retrier.delay(3) for _ in range(500)]
    assert all(0.0 <= d <= 8.0 for d in draws)
    assert max(draws) > 6.0 and min(draws) < 2.0  # spread over the whole range
    assert all(retrier.delay(6, retry_after=25.0) >= 25.0 for _ in range(100))
    assert all(retrier.delay(6) <= 20.0 for _ in range(100))
    again = Retrier(RunEnvironment(1), "x", retrier.policy)
    assert [again.delay(3) for _ in range(500)] == draws  # seeded by name


def test_retrier_opens_the_breaker_and_stops_calling() -> None:
    run = RunEnvironment(1)
    breaker = CircuitBreaker(run, "erp", CircuitBreakerPolicy(failure_threshold=2, open_for_s=60))
    retrier = Retrier(run, "erp", NO_JITTER, breaker)
    op = Script(run, [CallResult("unavailable")])
    result = drive(run, retrier, op)
    run.sim.run()
    assert op.calls == [0.0, 2.5]  # the third attempt is refused by the open breaker
    assert result == [(3.0 + 4.0, BREAKER_OPEN)]
    assert breaker.state == "open"
    later = Script(run, ["ok"])
    second = drive(run, retrier, later)
    run.sim.run()
    assert later.calls == [] and second == [(7.0, BREAKER_OPEN)]


def test_throttling_does_not_count_as_a_breaker_failure() -> None:
    run = RunEnvironment(1)
    breaker = CircuitBreaker(run, "crm", CircuitBreakerPolicy(failure_threshold=1))
    op = Script(run, [CallResult("throttled", 1.0)] * 3 + ["ok"])
    result = drive(run, Retrier(run, "crm", NO_JITTER, breaker), op)
    run.sim.run()
    assert result[0][1] == "ok"
    assert breaker.state == "closed"


# ---------------------------------------------------------------------------- CircuitBreaker


def breaker_at(threshold: int = 3, open_for: float = 60.0) -> tuple[RunEnvironment, CircuitBreaker]:
    run = RunEnvironment(1)
    policy = CircuitBreakerPolicy(failure_threshold=threshold, open_for_s=open_for)
    return run, CircuitBreaker(run, "erp", policy)


def advance(run: RunEnvironment, until: float) -> None:
    run.sim.run(until=until)


def breaker_states(run: RunEnvironment) -> list[tuple[float, str]]:
    return [(r["time"], r["status"]) for r in rows(run, "integration.breaker")]


def test_breaker_opens_after_threshold_consecutive_failures() -> None:
    _, breaker = breaker_at(threshold=3)
    breaker.failed()
    breaker.failed()
    breaker.succeeded()  # resets the count
    breaker.failed()
    breaker.failed()
    assert breaker.state == "closed" and breaker.allow()
    breaker.failed()
    assert breaker.state == "open"
    assert not breaker.allow()


def test_open_breaker_refuses_until_the_pause_then_half_opens() -> None:
    run, breaker = breaker_at(threshold=1, open_for=60.0)
    advance(run, 10.0)
    breaker.failed()
    advance(run, 69.9)
    assert not breaker.allow() and breaker.state == "open"
    advance(run, 70.0)
    assert breaker.allow() and breaker.state == "half_open"
    breaker.succeeded()
    assert breaker.state == "closed" and breaker.allow()
    assert breaker_states(run) == [(10.0, "open"), (70.0, "half_open"), (70.0, "closed")]


def test_failed_probe_reopens_for_a_full_pause() -> None:
    run, breaker = breaker_at(threshold=5, open_for=60.0)
    for _ in range(5):
        breaker.failed()
    advance(run, 60.0)
    assert breaker.allow() and breaker.state == "half_open"
    advance(run, 61.0)
    breaker.failed()  # a single failed probe is enough, below the threshold
    assert breaker.state == "open"
    advance(run, 120.0)
    assert not breaker.allow()
    advance(run, 121.0)
    assert breaker.allow() and breaker.state == "half_open"
    assert breaker_states(run) == [
        (0.0, "open"),
        (60.0, "half_open"),
        (61.0, "open"),
        (121.0, "half_open"),
    ]


def test_half_open_breaker_lets_a_single_probe_through() -> None:
    """CircuitBreaker's contract: 'lets one probe through after a pause'."""
    run, breaker = breaker_at(threshold=1, open_for=60.0)
    breaker.failed()
    advance(run, 60.0)
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # others wait for the probe's outcome
    breaker.succeeded()
    assert breaker.allow()


# ---------------------------------------------------------------------------- MessageBus


def envelope(key: int, sequence: int) -> Envelope:
    return Envelope(
        message_id=f"m-{key}-{sequence}",
        type="OrderEvent",
        correlation_id=f"O{key:08d}",
        source="test",
        occurred_at=0.0,
        sent_at=0.0,
        sequence=sequence,
        payload={"order_ref": key},
    )


def recorder(
    run: RunEnvironment, log: list[tuple[float, int, int]], durations: np.random.Generator | None
) -> Any:
    def handle(message: Envelope) -> Generator[Any, Any, Outcome]:
        if durations is not None:
            yield run.sim.timeout(float(durations.exponential(2.0)))
        log.append((run.now, int(message.payload["order_ref"]), message.sequence))
        if durations is None:
            yield run.sim.timeout(0)
        return Outcome.APPLIED

    return handle


def test_bus_keeps_per_key_order_and_applies_every_message_once_per_subscription() -> None:
    run = RunEnvironment(11)
    bus = MessageBus(run, BusSettings(delivery_latency=LogNormal(mean=5.0, cv=2.0)))
    rng = np.random.default_rng(5)
    partitioned: list[tuple[float, int, int]] = []
    single: list[tuple[float, int, int]] = []
    key = lambda e: int(e.payload["order_ref"])  # noqa: E731
    bus.subscribe("orders", "status", recorder(run, partitioned, rng), partitions=3, key=key)
    bus.subscribe("orders", "audit", recorder(run, single, rng), partitions=1, key=key)
    bus.subscribe("other", "elsewhere", recorder(run, [], None))
    published: dict[int, list[int]] = defaultdict(list)
    order: list[tuple[int, int]] = []

    def publisher() -> Generator[Any, Any, None]:
        for _ in range(300):
            k = int(rng.integers(0, 10))
            published[k].append(len(published[k]) + 1)
            order.append((k, published[k][-1]))
            bus.publish("orders", envelope(k, published[k][-1]), k)
            if rng.random() < 0.7:  # bursts of simultaneous messages
                yield run.sim.timeout(float(rng.exponential(1.0)))

    run.sim.process(publisher())
    run.sim.run()
    assert bus.published == 300
    for log in (partitioned, single):
        assert len(log) == 300
        applied: dict[int, list[int]] = defaultdict(list)
        for _, k, seq in log:
            applied[k].append(seq)
        assert dict(applied) == dict(published)  # each once, in publication order per key
    assert bus.depth("orders") == 0
    # latency and handling really are random: across keys, messages overtake each other
    assert [(k, seq) for _, k, seq in partitioned] != order
    assert len(rows(run, "bus.published")) == 300
    applied_rows = rows(run, "bus.applied")
    assert len(applied_rows) == 600
    by_actor: dict[str, int] = defaultdict(int)
    for r in applied_rows:
        by_actor[r["actor"]] += 1
    assert dict(by_actor) == {"subscriber:status": 300, "subscriber:audit": 300}


def test_bus_depth_counts_waiting_messages() -> None:
    run = RunEnvironment(1)
    bus = MessageBus(run, BusSettings(delivery_latency=Constant(value=1.0)))
    applied: list[tuple[float, int]] = []

    def slow(message: Envelope) -> Generator[Any, Any, Outcome]:
        yield run.sim.timeout(10.0)
        applied.append((run.now, message.sequence))
        return Outcome.APPLIED

    bus.subscribe("t", "slow", slow)
    run.sim.run(until=0.5)  # the consumer is waiting
    assert bus.depth("t") == 0 and bus.depth("nobody") == 0

    def burst() -> Generator[Any, Any, None]:
        for seq in range(1, 6):
            bus.publish("t", envelope(1, seq), 1)
        yield run.sim.timeout(0)

    run.sim.process(burst())
    run.sim.run(until=5.0)
    assert bus.depth("t") == 4  # the first was handed to the consumer
    run.sim.run(until=15.0)
    assert bus.depth("t") == 3
    run.sim.run()
    assert bus.depth("t") == 0
    # delivered after 1 s of latency, then 10 s each, one at a time, in order
    assert applied == [(11.5, 1), (21.5, 2), (31.5, 3), (41.5, 4), (51.5, 5)]


def test_publish_without_subscribers_is_counted_but_delivered_nowhere() -> None:
    run = RunEnvironment(1)
    bus = MessageBus(run, BusSettings(delivery_latency=Constant(value=1.0)))
    bus.publish("void", envelope(1, 1), 1)
    run.sim.run()
    assert bus.published == 1 and bus.depth("void") == 0
    assert rows(run, "bus.applied") == []


# ---------------------------------------------------------------------------- resequencing


def test_latest_wins_accepts_only_newer_versions_per_key() -> None:
    latest = LatestWins()
    assert latest.accept("A", 1)
    assert latest.accept("A", 3)
    assert not latest.accept("A", 2)  # late
    assert not latest.accept("A", 3)  # repeated
    assert latest.accept("B", 2)  # keys are independent
    assert latest.is_newer("A", 4) and not latest.is_newer("A", 3)
    assert not latest.is_newer("B", 1)
    assert latest.accept("A", 3.5)
    assert latest.is_newer("C", float("-inf")) is False


def test_latest_wins_makes_any_arrival_order_monotonic() -> None:
    rng = np.random.default_rng(2)
    versions = list(range(1, 51))
    arrival = [int(v) for v in rng.permutation(versions)]
    latest = LatestWins()
    shown = [v for v in arrival if latest.accept("order", v)]
    assert shown == sorted(shown)
    assert shown[-1] == 50


def test_seen_ids_deduplicates() -> None:
    seen = SeenIds()
    assert seen.first_time("EV1")
    assert seen.first_time("EV2")
    assert not seen.first_time("EV1")
    assert not seen.first_time("EV2")
    assert seen.first_time("ev1")  # ids are exact


@pytest.mark.parametrize("partitions", [1, 4])
def test_bus_ordering_survives_a_slow_first_message(partitions: int) -> None:
    """A later message with a short latency must not overtake an earlier one of its key."""
    run = RunEnvironment(1)
    # latencies drawn from a wide distribution; any draw order is possible
    bus = MessageBus(run, BusSettings(delivery_latency=LogNormal(mean=10.0, cv=3.0)))
    log: list[tuple[float, int, int]] = []
    bus.subscribe(
        "t",
        "s",
        recorder(run, log, None),
        partitions=partitions,
        key=lambda e: int(e.payload["order_ref"]),
    )

    def burst() -> Generator[Any, Any, None]:
        for seq in range(1, 41):
            bus.publish("t", envelope(seq % 2, seq), seq % 2)
        yield run.sim.timeout(0)

    run.sim.process(burst())
    run.sim.run()
    for k in (0, 1):
        seqs = [seq for _, key, seq in log if key == k]
        assert seqs == sorted(seqs) and len(seqs) == 20


def test_a_retry_budget_stops_a_retry_storm_that_no_budget_lets_run() -> None:
    """Every call fails: with a budget, retries are a share of first attempts plus a floor."""

    def storm(policy: RetryPolicy) -> tuple[int, int]:
        run = RunEnvironment(1)
        retrier = Retrier(run, "erp", policy)

        def failing() -> Generator[Any, Any, CallResult]:
            yield run.sim.timeout(0.1)
            return CallResult("error")

        def caller(i: int) -> Generator[Any, Any, None]:
            yield run.sim.timeout(i * 1.0)
            yield from retrier.run_call(failing, i)

        for i in range(200):
            run.sim.process(caller(i))
        run.sim.run()
        return len(rows(run, "integration.retry")), len(
            rows(run, "integration.retry_budget_exhausted")
        )

    unbudgeted, _ = storm(RetryPolicy(max_attempts=5, base_delay_s=0.5, budget_ratio=None))
    budgeted, exhausted = storm(RetryPolicy(max_attempts=5, base_delay_s=0.5, budget_ratio=0.2))
    assert unbudgeted == 200 * 4  # every call retried to its limit
    assert exhausted > 100  # most calls gave up early
    # 200 first attempts over 200 s earn 40 retries, the floor 10 per minute about 33 more
    assert budgeted < 0.15 * unbudgeted
