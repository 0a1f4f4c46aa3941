"""Every registered fault kind, injected at its seam, seen where it lands: by the consumer.

Endpoint faults are judged by the answers callers get and the ``endpoint.call`` rows; bus
faults by what a subscriber receives (copies, order, payload, time) and the ``bus.*`` rows;
feed faults by what the integration does with the scans (``integration.*`` rows) and what
the ERP ends up showing. Each test also checks that the effect is absent outside the
fault's window, so the seam is faulted exactly while the timeline says so.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from mock_systems.carrier import CarrierScan
from sim.engine import (
    CallResult,
    Constant,
    Endpoint,
    EndpointSpec,
    RunEnvironment,
    ThrottleSpec,
)
from sim.engine.calendar import HOUR
from sim.faults import (
    FaultRunner,
    FaultSeams,
    FaultTimeline,
    FaultWindow,
    ScanFeed,
    fault_kind,
    fault_kinds,
)
from sim.integration.canonical import Envelope, ScanCode
from sim.integration.messaging import BusSettings, MessageBus, Outcome
from sim.integration.patterns.base import Mechanisms
from sim.run import execute
from sim.scenario import load_scenario
from tests.faults.support import SMALL, count, run_small

COVERED = {
    "outage",
    "brownout",
    "throttle",
    "lost_response",
    "bus_duplicate",
    "bus_delay",
    "bus_reorder",
    "consumer_crash",
    "poison",
    "scan_duplicate",
    "scan_missing",
    "scan_reorder",
    "scan_late",
}


def test_every_fault_kind_tested_here_is_registered() -> None:
    assert {
        kind.name for kind in fault_kinds()
    } >= COVERED  # the rest: test_drift_contract_people.py


def window(kind: str, target: str, start_s: float, end_s: float, **params: Any) -> FaultWindow:
    """A window as ``expand`` would write it: the kind's parameters, defaults filled in."""
    spec = fault_kind(kind).spec.model_validate({"kind": kind, "target": target, **params})
    return FaultWindow(kind=kind, target=target, start_s=start_s, end_s=end_s, params=spec.params())


# ============================================================================ endpoints

ONE_SECOND = EndpointSpec(service_time=Constant(value=1.0), concurrency=16, refusal_s=0.5)


@dataclass
class Call:
    """One caller's view of one call: when it was sent, answered, and what it got."""

    sent: float = math.nan
    answered: float = math.nan
    answer: Any = None
    commits: list[float] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.answer.status if isinstance(self.answer, CallResult) else "ok"

    @property
    def cost(self) -> float:
        return self.answered - self.sent


def endpoint_under(
    windows: Sequence[FaultWindow],
    spec: EndpointSpec = ONE_SECOND,
    name: str = "erp.create_order",
    seed: int = 1,
) -> tuple[RunEnvironment, Endpoint]:
    run = RunEnvironment(seed)
    endpoint = Endpoint(run, name, spec)
    FaultRunner(run, FaultTimeline(windows=tuple(windows)), FaultSeams({name: endpoint})).start()
    return run, endpoint


def call_at(
    run: RunEnvironment, endpoint: Endpoint, at: float, timeout: float = math.inf, order: int = 1
) -> Call:
    call = Call()

    def commit() -> str:
        call.commits.append(run.now)
        return "receipt"

    def caller() -> Generator[Any, Any, None]:
        yield run.sim.timeout(at - run.now)
        call.sent = run.now
        call.answer = yield from endpoint.call(order, commit, timeout)
        call.answered = run.now

    run.sim.process(caller())
    return call


def call_rows(run: RunEnvironment) -> list[dict[str, Any]]:
    return run.history.select("endpoint.call")


@pytest.mark.parametrize(
    ("mode", "timeout", "status", "cost"),
    [
        ("refused", 30.0, "unavailable", 0.5),  # a connection error after refusal_s
        ("refused", math.inf, "unavailable", 0.5),
        ("timeout", 30.0, "timeout", 30.0),  # silence until the caller's own timeout
        ("timeout", math.inf, "timeout", 60.0),  # or the endpoint's silent_timeout_s
    ],
)
def test_an_endpoint_outage_fails_calls_only_inside_its_window(
    mode: str, timeout: float, status: str, cost: float
) -> None:
    # aimed at the whole system "erp": every erp.* endpoint goes down
    run, endpoint = endpoint_under([window("outage", "erp", 100, 200, mode=mode)])
    before = call_at(run, endpoint, 50, timeout)
    during = call_at(run, endpoint, 150, timeout)
    after = call_at(run, endpoint, 250, timeout)
    run.sim.run()

    assert before.answer == "receipt" and before.commits == [51.0]
    assert after.answer == "receipt" and after.commits == [251.0]
    assert during.status == status
    assert during.cost == pytest.approx(cost)  # what the outage costs the caller
    assert during.commits == []  # nothing reached the callee
    rows = call_rows(run)
    assert [(r["time"], r["status"]) for r in rows] == [
        (51.0, "ok"),
        (pytest.approx(150 + cost), status),
        (251.0, "ok"),
    ]
    assert rows[1]["value"] == pytest.approx(cost)  # the wait the caller suffered
    availability = run.history.select("endpoint.availability")
    assert [(r["time"], r["status"]) for r in availability] == [(100.0, "down"), (200.0, "up")]


def test_a_brownout_slows_service_inside_its_window() -> None:
    run, endpoint = endpoint_under(
        [window("brownout", "erp.create_order", 100, 200, latency_multiplier=3.0, error_rate=0.0)]
    )
    calls = [call_at(run, endpoint, at) for at in (50, 150, 250)]
    run.sim.run()
    assert [c.cost for c in calls] == [1.0, 3.0, 1.0]
    assert [c.status for c in calls] == ["ok", "ok", "ok"]
    assert [r["value2"] for r in call_rows(run)] == [1.0, 3.0, 1.0]  # the service time


def test_a_brownout_answers_its_error_rate_with_a_5xx_that_commits_nothing() -> None:
    run, endpoint = endpoint_under(
        [window("brownout", "erp", 1000, 2000, latency_multiplier=1.0, error_rate=0.4)]
    )
    inside = [call_at(run, endpoint, 1000 + i, order=i) for i in range(600)]
    outside = [call_at(run, endpoint, 2000 + i, order=i) for i in range(100)]
    run.sim.run()
    errors = [c for c in inside if c.status == "error"]
    # binomial(600, 0.4): mean 240, sd 12
    assert 240 - 4 * 12 < len(errors) < 240 + 4 * 12
    assert all(c.commits == [] for c in errors)
    assert all(len(c.commits) == 1 for c in inside if c.status == "ok")
    assert {c.status for c in outside} == {"ok"}
    outcomes = Counter(r["status"] for r in call_rows(run))
    assert outcomes == {"ok": 700 - len(errors), "error": len(errors)}


def test_a_custom_throttle_refuses_beyond_its_limit_with_retry_after() -> None:
    limits = {"requests": 3, "window_s": 60.0}
    run, endpoint = endpoint_under(
        [window("throttle", "crm.api", 100, 200, preset="custom", limits=limits)],
        name="crm.api",
    )
    before = [call_at(run, endpoint, 50) for _ in range(10)]
    burst = [call_at(run, endpoint, 110) for _ in range(5)]
    retry = call_at(run, endpoint, 170)  # exactly when the first admission leaves the window
    after = [call_at(run, endpoint, 210) for _ in range(10)]
    run.sim.run()
    assert {c.status for c in before} == {"ok"}
    assert [c.status for c in burst] == ["ok"] * 3 + ["throttled"] * 2
    assert [c.answer.retry_after for c in burst[3:]] == [60.0, 60.0]
    assert all(c.commits == [] and c.cost == 0.0 for c in burst[3:])  # a 429 is immediate
    assert retry.status == "ok"
    assert {c.status for c in after} == {"ok"}  # limits gone with the window
    assert Counter(r["status"] for r in call_rows(run)) == {"ok": 24, "throttled": 2}


@pytest.mark.parametrize("users", [1, 2])
def test_the_dataverse_preset_caps_concurrent_requests_per_user(users: int) -> None:
    spec = EndpointSpec(service_time=Constant(value=10.0), concurrency=200)
    run, endpoint = endpoint_under(
        [window("throttle", "crm", 100, 10_000, preset="dataverse", users=users)],
        spec=spec,
        name="crm.api",
    )
    before = [call_at(run, endpoint, 0) for _ in range(120)]
    inside = [call_at(run, endpoint, 100) for _ in range(120)]
    run.sim.run()
    assert {c.status for c in before} == {"ok"}
    statuses = Counter(c.status for c in inside)
    assert statuses == {"ok": 52 * users, "throttled": 120 - 52 * users}
    assert {c.answer.retry_after for c in inside if c.status == "throttled"} == {1.0}


def test_the_dataverse_preset_limits_execution_time_per_five_minutes() -> None:
    # 1,200 s of server time per 300 s window: twelve 100-second requests use it all
    spec = EndpointSpec(service_time=Constant(value=100.0), concurrency=50)
    run, endpoint = endpoint_under(
        [window("throttle", "crm", 100, 10_000, preset="dataverse")], spec=spec, name="crm.api"
    )
    first = [call_at(run, endpoint, 100) for _ in range(12)]
    refused = call_at(run, endpoint, 101)
    again = call_at(run, endpoint, 400)  # the twelve started at 100 have left the window
    run.sim.run()
    assert {c.status for c in first} == {"ok"}
    assert refused.status == "throttled"
    assert refused.answer.retry_after == pytest.approx(299.0)
    assert again.status == "ok"


def test_the_dataverse_preset_admits_6000_requests_per_five_minutes() -> None:
    spec = EndpointSpec(service_time=Constant(value=0.001), concurrency=1)
    run, endpoint = endpoint_under(
        [window("throttle", "crm", 10, 10_000, preset="dataverse")], spec=spec, name="crm.api"
    )
    answers: list[tuple[float, Any]] = []

    def caller() -> Generator[Any, Any, None]:
        yield run.sim.timeout(10)
        while True:
            answer = yield from endpoint.call()
            answers.append((run.now, answer))
            if not answer.ok:
                return
            yield run.sim.timeout(0.009)  # one request every 10 ms

    run.sim.process(caller())
    run.sim.run()
    assert len(answers) == 6_001
    refused_at, refusal = answers[-1]
    assert refusal.status == "throttled"
    # the first request arrived at 10 s; the window admits again when it leaves
    assert refused_at + refusal.retry_after == pytest.approx(10.0 + 300.0)


def test_the_salesforce_preset_caps_only_requests_running_20_s_or_more() -> None:
    long_spec = EndpointSpec(service_time=Constant(value=30.0), concurrency=200)
    short_spec = EndpointSpec(service_time=Constant(value=19.9), concurrency=200)
    run = RunEnvironment(1)
    slow = Endpoint(run, "crm.api", long_spec)
    quick = Endpoint(run, "crm.quick", short_spec)
    timeline = FaultTimeline(windows=(window("throttle", "crm", 100, 10_000, preset="salesforce"),))
    FaultRunner(run, timeline, FaultSeams({"crm.api": slow, "crm.quick": quick})).start()

    before = [call_at(run, slow, 0) for _ in range(40)]
    probe_before = call_at(run, slow, 25)  # 40 long ones running, but no limit yet
    slow_burst = [call_at(run, slow, 100) for _ in range(30)]
    young = call_at(run, slow, 110)  # the 30 have run only 10 s: not counted yet
    old = call_at(run, slow, 125)  # now 30 (31 with ``young``) have run 20 s or more
    quick_burst = [call_at(run, quick, 100) for _ in range(30)]
    quick_probe = call_at(run, quick, 119.5)  # short requests never count
    run.sim.run()

    assert {c.status for c in [*before, probe_before, *slow_burst, young]} == {"ok"}
    assert old.status == "throttled" and old.answer.retry_after == 1.0
    assert {c.status for c in [*quick_burst, quick_probe]} == {"ok"}


def test_the_salesforce_preset_allocates_100000_plus_1000_per_licence_per_day() -> None:
    spec = EndpointSpec(service_time=Constant(value=0.1), concurrency=1)
    run, endpoint = endpoint_under(
        [window("throttle", "crm", 0, 10**6, preset="salesforce", licences=1)],
        spec=spec,
        name="crm.api",
    )
    served: list[float] = []
    refusal: list[tuple[float, CallResult]] = []

    def caller() -> Generator[Any, Any, None]:
        while True:
            start = run.now
            answer = yield from endpoint.call()
            if not answer.ok:
                refusal.append((run.now, answer))
                return
            served.append(start)

    run.sim.process(caller())
    run.sim.run()
    assert len(served) == 101_000
    at, answer = refusal[0]
    assert answer.status == "throttled"
    assert at + answer.retry_after == pytest.approx(served[0] + 86_400.0)


@pytest.mark.parametrize("timeout", [30.0, math.inf])
def test_a_lost_response_commits_and_leaves_the_caller_waiting(timeout: float) -> None:
    run, endpoint = endpoint_under(
        [window("lost_response", "erp.create_order", 100, 200, probability=1.0)]
    )
    before = call_at(run, endpoint, 50, timeout)
    during = call_at(run, endpoint, 150, timeout)
    after = call_at(run, endpoint, 250, timeout)
    run.sim.run()
    assert before.answer == "receipt" and after.answer == "receipt"
    assert during.commits == [151.0]  # the callee committed...
    assert during.status == "timeout"  # ...and the caller cannot tell
    # until its own timeout, or (with none) the endpoint's silent timeout after the commit
    assert during.cost == (timeout if timeout < math.inf else 1.0 + endpoint.silent_timeout_s)
    rows = call_rows(run)
    assert [(r["time"], r["status"]) for r in rows] == [
        (51.0, "ok"),
        (151.0, "lost_response"),
        (251.0, "ok"),
    ]


def test_lost_responses_hit_their_probability_and_every_call_commits() -> None:
    run, endpoint = endpoint_under([window("lost_response", "erp", 0, 10_000, probability=0.3)])
    calls = [call_at(run, endpoint, i, timeout=5.0, order=i) for i in range(1000)]
    run.sim.run()
    lost = sum(c.status == "timeout" for c in calls)
    assert 300 - 4 * 14.5 < lost < 300 + 4 * 14.5  # binomial(1000, 0.3)
    assert all(len(c.commits) == 1 for c in calls)
    assert Counter(r["status"] for r in call_rows(run)) == {
        "ok": 1000 - lost,
        "lost_response": lost,
    }


def test_a_caller_timing_out_while_queued_still_has_its_request_committed() -> None:
    spec = EndpointSpec(service_time=Constant(value=10.0), concurrency=1)
    run, endpoint = endpoint_under([], spec=spec)
    first = call_at(run, endpoint, 0, order=1)
    queued = call_at(run, endpoint, 0, timeout=5.0, order=2)  # waits behind ``first``
    mid_service = call_at(run, endpoint, 30, timeout=3.0, order=3)  # gives up while served
    run.sim.run()
    assert first.answer == "receipt" and first.answered == 10.0
    assert queued.status == "timeout" and queued.answered == 5.0
    assert queued.commits == [20.0]  # served after ``first``, committed after the caller left
    assert mid_service.status == "timeout" and mid_service.answered == 33.0
    assert mid_service.commits == [40.0]
    rows = {r["order"]: r for r in call_rows(run)}
    assert (rows[2]["status"], rows[2]["time"], rows[2]["value"], rows[2]["value2"]) == (
        "late",
        20.0,
        10.0,
        10.0,
    )
    assert (rows[3]["status"], rows[3]["time"]) == ("late", 40.0)
    assert rows[1]["status"] == "ok"


# ============================================================================ the bus

TOPIC = "erp.order-events"
SUBSCRIBERS = ("crm-status-sync", "fulfilment-router")


@dataclass
class Arrival:
    time: float
    sequence: int
    payload: dict[str, Any]


@dataclass
class BusRig:
    run: RunEnvironment
    bus: MessageBus
    arrivals: dict[str, list[Arrival]]
    published_at: dict[int, float] = field(default_factory=dict)

    def publish_at(self, times: Sequence[float], key: int = 1) -> None:
        def producer() -> Generator[Any, Any, None]:
            for at in times:
                yield self.run.sim.timeout(at - self.run.now)
                sequence = len(self.published_at) + 1
                self.published_at[sequence] = self.run.now
                self.bus.publish(TOPIC, message(key, sequence, self.run.now), key)

        self.run.sim.process(producer())

    def rows(self, event: str, subscriber: str | None = None) -> list[dict[str, Any]]:
        rows = self.run.history.select(event)
        if subscriber is None:
            return rows
        return [r for r in rows if r["actor"] == f"subscriber:{subscriber}"]

    def sequences(self, subscriber: str) -> list[int]:
        return [a.sequence for a in self.arrivals[subscriber]]


def message(key: int, sequence: int, at: float) -> Envelope:
    return Envelope(
        message_id=f"m-{key}-{sequence}",
        type="OrderStatusChanged",
        correlation_id=f"O{key:08d}",
        source="erp",
        occurred_at=at,
        sent_at=at,
        sequence=sequence,
        payload={"order_ref": key, "status": "CONFIRMED"},
    )


LATENCY = 0.5


def bus_under(windows: Sequence[FaultWindow], dedupe: bool = True, seed: int = 1) -> BusRig:
    run = RunEnvironment(seed)
    settings = BusSettings(delivery_latency=Constant(value=LATENCY), dedupe=dedupe)
    bus = MessageBus(run, settings)
    arrivals: dict[str, list[Arrival]] = defaultdict(list)

    def handler(name: str) -> Callable[[Envelope], Generator[Any, Any, Outcome]]:
        def handle(envelope: Envelope) -> Generator[Any, Any, Outcome]:
            arrivals[name].append(Arrival(run.now, envelope.sequence, dict(envelope.payload)))
            yield run.sim.timeout(0.1)
            if "order_ref" not in envelope.payload:  # the contract check of the consumers
                return Outcome.POISON
            return Outcome.APPLIED

        return handle

    for name in SUBSCRIBERS:
        bus.subscribe(TOPIC, name, handler(name))
    FaultRunner(run, FaultTimeline(windows=tuple(windows)), FaultSeams({}, bus)).start()
    return BusRig(run, bus, arrivals)


def test_a_broker_outage_holds_publications_and_delivers_them_when_it_returns() -> None:
    rig = bus_under([window("outage", "bus", 100, 200)])
    rig.publish_at([50, 99.8, 150, 160, 250])
    rig.run.sim.run()
    held = rig.rows("bus.publish_held")
    assert [r["time"] for r in held] == [150.0, 160.0]  # held in the producer's outbox
    assert [r["time"] for r in rig.rows("bus.published")] == [50.0, 99.8, 200.0, 200.0, 250.0]
    for name in SUBSCRIBERS:
        arrivals = rig.arrivals[name]
        assert [a.sequence for a in arrivals] == [1, 2, 3, 4, 5]
        assert arrivals[0].time == 50 + LATENCY
        # in flight when the broker went down: waits for it to return
        assert arrivals[1].time == 200.0
        assert arrivals[2].time >= 200.0 and arrivals[3].time >= 200.0
        assert arrivals[4].time == 250 + LATENCY
    assert [r["status"] for r in rig.run.history.select("bus.availability")] == ["down", "up"]


def test_a_subscriber_outage_stops_only_that_subscriptions_consumers() -> None:
    rig = bus_under([window("outage", "subscriber:crm-status-sync", 100, 200)])
    rig.publish_at([50, 150, 160, 250])
    rig.run.sim.run()
    assert [r["time"] for r in rig.rows("bus.published")] == [50.0, 150.0, 160.0, 250.0]
    paused = [(a.time, a.sequence) for a in rig.arrivals["crm-status-sync"]]
    assert paused[0] == (50 + LATENCY, 1)
    assert [s for _, s in paused[1:3]] == [2, 3] and paused[1][0] == 200.0  # waited
    assert paused[3] == (250 + LATENCY, 4)
    running = [(a.time, a.sequence) for a in rig.arrivals["fulfilment-router"]]
    assert running == [(t + LATENCY, s) for s, t in rig.published_at.items()]  # unaffected


def test_bus_duplicates_reach_the_consumer_twice_and_dedupe_discards_the_second() -> None:
    rig = bus_under([window("bus_duplicate", TOPIC, 100, 200, probability=1.0, delay_s=5.0)])
    rig.publish_at([50, 150, 250])
    rig.run.sim.run()
    for name in SUBSCRIBERS:
        delivered = [(r["subject"], r["value"], r["time"]) for r in rig.rows("bus.delivered", name)]
        assert delivered == [
            (0, 1.0, 50 + LATENCY),
            (1, 1.0, 150 + LATENCY),
            (1, 2.0, 155 + LATENCY),  # the broker's duplicate, five seconds later
            (2, 1.0, 250 + LATENCY),
        ]
        discarded = rig.rows("bus.discarded", name)
        assert [(r["subject"], r["status"]) for r in discarded] == [(1, "duplicate")]
        assert rig.sequences(name) == [1, 2, 3]  # the handler saw each message once

    without_dedupe = bus_under(
        [window("bus_duplicate", TOPIC, 100, 200, probability=1.0)], dedupe=False
    )
    without_dedupe.publish_at([50, 150, 250])
    without_dedupe.run.sim.run()
    assert without_dedupe.sequences("crm-status-sync") == [1, 2, 2, 3]


def test_a_bus_delay_holds_copies_at_the_broker_inside_its_window() -> None:
    rig = bus_under([window("bus_delay", TOPIC, 100, 200, delay_s=100.0)])
    rig.publish_at([50, 150, 300])
    rig.run.sim.run()
    for name in SUBSCRIBERS:
        assert [(a.time, a.sequence) for a in rig.arrivals[name]] == [
            (50 + LATENCY, 1),
            (250 + LATENCY, 2),
            (300 + LATENCY, 3),
        ]


def test_bus_reorder_lets_later_copies_overtake_held_ones_inside_its_window() -> None:
    rig = bus_under([window("bus_reorder", TOPIC, 100, 400, probability=0.5, delay_s=60.0)])
    inside = [100 + 5 * i for i in range(60)]  # one key: one partition, normally in order
    outside = [1000 + 5 * i for i in range(20)]
    rig.publish_at([*inside, *outside])
    rig.run.sim.run()
    for name in SUBSCRIBERS:
        arrivals = rig.arrivals[name]
        first = arrivals[: len(inside)]
        sequences = [a.sequence for a in first]
        assert sorted(sequences) == list(range(1, 61))  # every message, exactly once
        inversions = sum(1 for a, b in itertools.pairwise(sequences) if a > b)
        assert inversions >= 5  # out of order at the subscriber
        held = [a for a in first if a.time - rig.published_at[a.sequence] > 60]
        assert 15 <= len(held) <= 45
        # held back exactly delay_s (plus the consumer finishing the copy in hand)
        assert all(
            60 + LATENCY <= a.time - rig.published_at[a.sequence] <= 60 + LATENCY + 0.2
            for a in held
        )
        later = arrivals[len(inside) :]
        assert [a.sequence for a in later] == list(range(61, 81))  # in order again
        assert all(a.time == rig.published_at[a.sequence] + LATENCY for a in later)


def test_a_consumer_crash_redelivers_the_copy_and_dedupe_absorbs_it() -> None:
    rig = bus_under([window("consumer_crash", TOPIC, 100, 150, probability=1.0)])
    rig.publish_at([50, 120, 250])
    rig.run.sim.run()
    for name in SUBSCRIBERS:
        redelivered = rig.rows("bus.redelivered", name)
        assert [(r["subject"], r["status"]) for r in redelivered] == [(1, "consumer_crash")]
        delivered = [(r["subject"], r["value"], r["time"]) for r in rig.rows("bus.delivered", name)]
        assert delivered == [
            (0, 1.0, 50 + LATENCY),
            (1, 1.0, 120 + LATENCY),
            (1, 2.0, pytest.approx(120 + LATENCY + 0.1 + 30.0)),  # after the visibility timeout
            (2, 1.0, 250 + LATENCY),
        ]
        assert [r["subject"] for r in rig.rows("bus.discarded", name)] == [1]
        assert rig.sequences(name) == [1, 2, 3]

    without_dedupe = bus_under(
        [window("consumer_crash", TOPIC, 100, 150, probability=1.0)], dedupe=False
    )
    without_dedupe.publish_at([50, 120, 250])
    without_dedupe.run.sim.run()
    assert without_dedupe.sequences("crm-status-sync") == [1, 2, 2, 3]  # applied twice


def test_poison_messages_reach_every_subscriber_garbled_and_are_dead_lettered() -> None:
    rig = bus_under([window("poison", TOPIC, 100, 200, probability=1.0)])
    rig.publish_at([50, 150, 250])
    rig.run.sim.run()
    for name in SUBSCRIBERS:
        payloads = [a.payload for a in rig.arrivals[name]]
        assert payloads[0] == payloads[2] == {"order_ref": 1, "status": "CONFIRMED"}
        assert payloads[1] == {"garbled": True}
        dead = rig.rows("bus.dead_lettered", name)
        assert [(r["subject"], r["status"]) for r in dead] == [(1, "poison")]
        assert [letter.number for letter in rig.bus.dead_letters(name)] == [1]
        assert [r["subject"] for r in rig.rows("bus.applied", name)] == [0, 2]


def test_poison_hits_its_probability_of_messages() -> None:
    rig = bus_under([window("poison", TOPIC, 0, 10_000, probability=0.2)])
    rig.publish_at([float(i) for i in range(1, 1001)], key=7)
    rig.run.sim.run()
    dead = len(rig.rows("bus.dead_lettered", "crm-status-sync"))
    assert 200 - 4 * 12.7 < dead < 200 + 4 * 12.7  # binomial(1000, 0.2)
    # decided per message: both subscriptions lose the same ones
    assert [r["subject"] for r in rig.rows("bus.dead_lettered", "crm-status-sync")] == [
        r["subject"] for r in rig.rows("bus.dead_lettered", "fulfilment-router")
    ]


# ============================================================================ the carrier feed

WEBHOOK = "systems.carrier.feed=webhook"  # scans reach the shipper seconds after they happen
SCAN_CODES = {code.value for code in ScanCode}


def feed_fault(kind: str, window_h: tuple[float, float] | None = None, **params: Any) -> str:
    fields = ", ".join(f"{k}: {v}" for k, v in params.items())
    when = (
        "" if window_h is None else f", windows: [{{start_h: {window_h[0]}, end_h: {window_h[1]}}}]"
    )
    return f"faults=[{{kind: {kind}, target: carrier.feed, {fields}{when}}}]"


@pytest.fixture(scope="module")
def clean_webhook_run() -> Any:
    return run_small(WEBHOOK)


def scan_rows(result: Any, status: str | None = None) -> list[dict[str, Any]]:
    rows = result.history.select("carrier.scan")
    return [r for r in rows if status is None or r["status"] == status]


def scan_discards(result: Any, event: str) -> list[dict[str, Any]]:
    """Scan rows of ``integration.<event>`` (CRM status discards carry no scan code)."""
    return [r for r in result.history.select(f"integration.{event}") if r["status"] in SCAN_CODES]


def delivery_statuses(result: Any) -> list[tuple[float, int, str]]:
    return [
        (r["time"], r["subject"], r["status"]) for r in result.history.select("erp.delivery_status")
    ]


def test_repeated_scans_are_suppressed_by_the_integration_inside_the_window(
    clean_webhook_run: Any,
) -> None:
    start_h, end_h = 20.0, 60.0
    result = run_small(WEBHOOK, feed_fault("scan_duplicate", (start_h, end_h), probability=1.0))
    suppressed = scan_discards(result, "duplicate_suppressed")
    assert scan_discards(clean_webhook_run, "duplicate_suppressed") == []
    assert len(suppressed) > 20
    # every repeat arrives 600 s after its original, which reached the feed in the window
    assert all(start_h * HOUR + 600 <= r["time"] <= end_h * HOUR + 600 + HOUR for r in suppressed)
    in_window = [r for r in scan_rows(result) if start_h * HOUR <= r["time"] < end_h * HOUR - HOUR]
    assert len(suppressed) >= len(in_window)
    # with dedupe, the repeats change nothing the ERP shows
    assert delivery_statuses(result) == delivery_statuses(clean_webhook_run)


def without_recovery() -> list[str]:
    """Switch off the tracking poll, which (when the pattern has one) recovers lost scans."""
    return (
        ["integration.mechanisms.reconciliation=false"]
        if "reconciliation" in Mechanisms.model_fields
        else []
    )


def test_a_missing_delivered_scan_leaves_its_erp_delivery_short_of_delivered() -> None:
    start_h, end_h = 50.0, 70.0
    result = run_small(
        WEBHOOK,
        feed_fault("scan_missing", (start_h, end_h), probability=1.0),
        *without_recovery(),
    )
    delivered_at = {r["subject"]: r["time"] for r in scan_rows(result, "delivered")}
    reached = {subject for _, subject, status in delivery_statuses(result) if status == "DELIVERED"}
    lost = {d for d, t in delivered_at.items() if start_h * HOUR <= t < end_h * HOUR - HOUR}
    kept = {d for d, t in delivered_at.items() if t < start_h * HOUR - HOUR or t > end_h * HOUR}
    assert len(lost) >= 3 and len(kept) >= 20
    assert not lost & reached  # the ERP never learns these were delivered
    assert kept <= reached  # outside the window every delivered scan lands


def test_reordered_scans_arrive_stale_and_are_discarded(clean_webhook_run: Any) -> None:
    result = run_small(WEBHOOK, feed_fault("scan_reorder", None, probability=0.5, delay_s=21600))
    stale = scan_discards(result, "stale_discarded")
    assert scan_discards(clean_webhook_run, "stale_discarded") == []
    assert len(stale) > 10
    # a held-back earlier milestone arrives after a later one and is the one discarded
    assert {r["status"] for r in stale} <= {"picked_up", "in_transit", "out_for_delivery"}
    # only delayed, never lost: every delivered scan still reaches the ERP
    delivered = {r["subject"] for r in scan_rows(result, "delivered")}
    reached = {subject for _, subject, status in delivery_statuses(result) if status == "DELIVERED"}
    assert delivered == reached

    before_any_scan = run_small(
        WEBHOOK, feed_fault("scan_reorder", (0, 12), probability=0.5, delay_s=21600)
    )
    assert scan_discards(before_any_scan, "stale_discarded") == []


def first_scan_lags(result: Any) -> list[float]:
    """Per delivery: first ERP status update minus the carrier's first scan occurred_at."""
    picked_up = {r["subject"]: r["value2"] for r in scan_rows(result, "picked_up")}
    first: dict[int, float] = {}
    for at, subject, _ in delivery_statuses(result):
        first.setdefault(subject, at)
    return [first[d] - picked_up[d] for d in sorted(first)]


def test_late_first_scans_reach_the_erp_hours_after_they_happened() -> None:
    # without the end-of-day manifest, which holds scans until the close-out, a scan is
    # sent as it happens: the lateness measured here is the fault's alone
    sent_at_once = "systems.carrier.manifest.enabled=false"
    clean = first_scan_lags(run_small(WEBHOOK, sent_at_once))
    assert max(clean) < 600  # seconds, with no fault
    late = first_scan_lags(
        run_small(WEBHOOK, sent_at_once, feed_fault("scan_late", None, max_delay_h=24))
    )
    assert len(late) == len(clean)
    assert statistics.median(late) > HOUR
    assert max(late) <= 24 * HOUR + 600

    # the first scans all happen after 16:00 on Monday: a window before that changes nothing
    early = run_small(WEBHOOK, sent_at_once, feed_fault("scan_late", (0, 12), max_delay_h=24))
    assert first_scan_lags(early) == clean


# ============================================================================ whole worlds


def test_an_outage_in_a_world_refuses_calls_only_inside_its_window() -> None:
    result = run_small(
        "faults=[{kind: outage, target: erp, mode: refused, windows: [{start_h: 8, end_h: 11}]}]"
    )
    calls: list[dict[str, Any]] = result.history.select("endpoint.call")
    rows = [r for r in calls if r["actor"].startswith("endpoint:erp.")]
    refused = [r for r in rows if r["status"] == "unavailable"]
    assert len(refused) > 10
    assert all(8 * HOUR <= r["time"] - r["value"] < 11 * HOUR for r in refused)
    assert all(r["value"] == pytest.approx(0.5) for r in refused)  # the refusal_s each caller paid
    assert any(r["status"] == "ok" and r["time"] < 8 * HOUR for r in rows)
    assert any(r["status"] == "ok" and r["time"] > 11 * HOUR for r in rows)
    started = result.history.select("fault.started")
    assert [(r["time"], r["status"], r["value"]) for r in started] == [(8 * HOUR, "erp", 3 * HOUR)]


NOT_HERE = [
    window("bus_delay", "sap.idoc-events", 3600, 7200, delay_s=60.0),  # a topic we lack
    window("outage", "subscriber:sap-sync", 3600, 7200),  # a subscription we lack
    window("outage", "sap.create_order", 3600, 7200),  # a system we lack
    window("scan_missing", "carrier.edi-feed", 3600, 7200, probability=1.0),  # a feed we lack
]


def test_a_fault_aimed_at_a_seam_the_world_lacks_is_recorded_as_not_applicable() -> None:
    applicable = window("bus_delay", TOPIC, 3600, 7200, delay_s=60.0)
    timeline = FaultTimeline(windows=(*NOT_HERE, applicable))
    scenario = load_scenario("scenarios/baseline.yaml", SMALL)
    result = execute(scenario, seed=3, timeline=timeline)
    history = result.history
    rows = history.select("fault.not_applicable")
    assert [(r["time"], r["subject"], r["status"], r["actor"]) for r in rows] == [
        (0.0, index, w.target, f"fault:{w.kind}") for index, w in enumerate(NOT_HERE)
    ]
    assert [(r["subject"], r["status"]) for r in history.select("fault.started")] == [
        (len(NOT_HERE), TOPIC)
    ]
    assert count(history, "fault.ended") == 1
    assert result.timeline == timeline


def decoded(result: Any, event: str) -> list[tuple[Any, ...]]:
    """Rows of ``event`` as comparable tuples (NaN as None)."""
    return [
        tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row.values())
        for row in result.history.select(event)
    ]


def test_a_fault_that_is_not_applicable_changes_nothing_else() -> None:
    scenario = load_scenario("scenarios/baseline.yaml", SMALL)
    clean = execute(scenario, seed=3)
    aimed_elsewhere = execute(scenario, seed=3, timeline=FaultTimeline(windows=tuple(NOT_HERE)))
    assert len(aimed_elsewhere.history.select("fault.not_applicable")) == len(NOT_HERE)
    for event in ("endpoint.call", "bus.delivered", "carrier.scan", "erp.delivery_status"):
        assert decoded(aimed_elsewhere, event) == decoded(clean, event), event
    assert len(aimed_elsewhere.history) == len(clean.history) + len(NOT_HERE)


# ============================================================================ known product bugs
# Each test states what the fault kinds promise and fails today; strict, so a fix shows up.


def test_overlapping_bus_delays_on_one_topic_last_until_the_later_window_ends() -> None:
    rig = bus_under(
        [
            window("bus_delay", TOPIC, 0, 100, delay_s=10.0),
            window("bus_delay", TOPIC, 50, 150, delay_s=20.0),
        ]
    )
    rig.publish_at([120])  # only the second window is in force: 20 s at the broker
    rig.run.sim.run()
    assert [a.time for a in rig.arrivals["crm-status-sync"]] == [120 + 20 + LATENCY]


def test_overlapping_subscriber_outages_pause_consumers_until_the_later_one_ends() -> None:
    rig = bus_under(
        [
            window("outage", "subscriber:crm-status-sync", 100, 200),
            window("outage", "subscriber:crm-status-sync", 150, 300),
        ]
    )
    rig.publish_at([250])
    rig.run.sim.run()
    assert [a.time for a in rig.arrivals["crm-status-sync"]] == [300.0]


def test_a_throttle_keeps_its_count_when_another_throttle_window_starts() -> None:
    spec = EndpointSpec(service_time=Constant(value=0.01), concurrency=100)
    run, endpoint = endpoint_under(
        [
            window("throttle", "crm", 0, 1000, limits={"requests": 5, "window_s": 100.0}),
            window("throttle", "crm.api", 50, 1000, limits={"requests": 1000, "window_s": 100.0}),
        ],
        spec=spec,
        name="crm.api",
    )
    calls = [call_at(run, endpoint, at) for at in (10, 11, 12, 13, 14, 60, 61, 62, 63, 64)]
    run.sim.run()
    # at most 5 in any 100 s: the five at 60-64 must be refused
    assert [c.status for c in calls] == ["ok"] * 5 + ["throttled"] * 5


def test_a_request_refused_by_one_limit_does_not_use_up_another() -> None:
    spec = EndpointSpec(
        service_time=Constant(value=0.01),
        concurrency=10,
        throttle=ThrottleSpec(requests=5, window_s=100.0),  # the system's own limit
    )
    run, endpoint = endpoint_under(
        [window("throttle", "crm.api", 0, 20, limits={"requests": 2, "window_s": 100.0})],
        spec=spec,
        name="crm.api",
    )
    calls = [call_at(run, endpoint, at) for at in range(1, 11)]
    probe = call_at(run, endpoint, 30)  # two requests served in the last 100 s, limit 5
    run.sim.run()
    assert [c.status for c in calls] == ["ok"] * 2 + ["throttled"] * 8
    assert probe.status == "ok"


def test_scan_late_delays_only_a_shipments_first_scan() -> None:
    run = RunEnvironment(1)
    feed = ScanFeed(run.sim, 1)
    arrivals: list[tuple[float, str]] = []
    feed.deliver_to(lambda scan: arrivals.append((run.now, scan.code)))
    late = window("scan_late", "carrier.feed", 100, 100_000, max_delay_h=24)
    FaultRunner(
        run, FaultTimeline(windows=(late,)), FaultSeams({}, None, {"carrier.feed": feed})
    ).start()

    def carrier() -> Generator[Any, Any, None]:
        for at, code in ((10.0, "picked_up"), (200.0, "in_transit")):
            yield run.sim.timeout(at - run.now)
            feed.put(CarrierScan(f"EV{int(at)}", "1Z1", "D1", 1, 1, code, at))

    run.sim.process(carrier())
    run.sim.run()
    assert arrivals == [(10.0, "picked_up"), (200.0, "in_transit")]


def test_callers_retrying_exactly_at_retry_after_get_no_more_than_the_limit() -> None:
    limits = {"requests": 1, "window_s": 300.0}
    run, endpoint = endpoint_under(
        [window("throttle", "crm", 0, 1000, limits=limits)], name="crm.api"
    )
    first = call_at(run, endpoint, 0.2)
    refused = call_at(run, endpoint, 1.2)
    run.sim.run(until=2)
    assert first.status == "ok" and refused.status == "throttled"
    retries = [call_at(run, endpoint, 1.2 + refused.answer.retry_after) for _ in range(5)]
    run.sim.run()
    assert sum(c.status == "ok" for c in retries) <= 1  # one request per 300 s
