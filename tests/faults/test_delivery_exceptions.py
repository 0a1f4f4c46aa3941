"""Failed delivery attempts: exception scans, a new attempt the next delivery day, returns.

The carrier's own behaviour is checked with exact timings (a stub decides which attempts
fail); the ``delivery_exception`` fault is injected into small worlds and judged where it
lands: the shipment's scans in the history, what the ERP and the tracking poll do with
them, the delivery KPIs, and every invariant.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from mock_systems.carrier import (
    EXCEPTION_REASONS,
    RETURNED_TO_SENDER,
    Booking,
    Carrier,
    CarrierConfig,
    CarrierScan,
    shipment_key,
)
from sim.engine import Constant, EndpointSpec, RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar
from sim.faults import FaultRunner, FaultSeams, FaultTimeline
from sim.faults.kinds.delivery import KeyedDeliveryFailures
from sim.integration.patterns import pattern_names
from sim.run import RunResult
from tests.faults.support import run_small, verdicts
from tests.faults.test_fault_kinds import window
from tests.helpers import at

KINDS = {"delivery_exception"}
"""The fault kinds this module covers."""

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
WEBHOOK = "systems.carrier.feed=webhook"
PATTERNS = sorted(pattern_names())


# ============================================================================ the carrier


class FailAttempts:
    """A stub seam: attempts in ``failing`` fail for ``reason``."""

    def __init__(self, failing: set[int], reason: str = "damaged") -> None:
        self.failing = failing
        self.reason = reason
        self.asked: list[tuple[str, int]] = []

    def failure(self, shipment: str, attempt: int) -> str:
        self.asked.append((shipment, attempt))
        return self.reason if attempt in self.failing else ""


def carrier_with(attempts: int = 3) -> tuple[RunEnvironment, Carrier, list[CarrierScan]]:
    """A webhook carrier with constant timings; delivered 3 h after going out."""
    run = RunEnvironment(3)
    config = CarrierConfig(
        tender=EndpointSpec(service_time=Constant(value=1.0)),
        hub_departure=Constant(value=5 * HOUR),
        transit_days=Constant(value=2.0),
        out_for_delivery_to_delivered=Constant(value=3 * HOUR),
        feed="webhook",
        webhook_latency=Constant(value=5.0),
        max_delivery_attempts=attempts,
    )
    carrier = Carrier(run, config, WorkCalendar(MONDAY))
    got: list[CarrierScan] = []
    carrier.feed.deliver_to(got.append)
    return run, carrier, got


def tender(run: RunEnvironment, carrier: Carrier, n: int) -> None:
    at(run, 10 * HOUR, lambda: carrier.tender(Booking(f"8000000{n}", n, 100 + n, "NJ01", "ne", 1)))


def test_a_failed_attempt_is_an_exception_then_a_new_attempt_the_next_delivery_day() -> None:
    run, carrier, feed = carrier_with()
    failures = FailAttempts({1})
    carrier.set_delivery_failures(failures)
    tender(run, carrier, 1)
    run.sim.run(until=8 * DAY)
    codes = [s.code for s in feed]
    assert codes == [
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "exception",
        "out_for_delivery",
        "delivered",
    ]
    out, failed, again, delivered = (s.occurred_at for s in feed[2:])
    assert 2 * DAY + 7 * HOUR <= out < 2 * DAY + 9 * HOUR  # Wednesday morning
    assert failed == pytest.approx(out + 3 * HOUR)  # when it would have been delivered
    assert 3 * DAY + 7 * HOUR <= again < 3 * DAY + 9 * HOUR  # Thursday's delivery window
    assert delivered > again
    assert [s.reason for s in feed] == ["", "", "", "damaged", "", ""]
    assert failures.asked == [("101/1", 1), ("101/1", 2)]  # order 101's first shipment
    assert len({s.event_id for s in feed}) == len(feed)  # event ids stay unique
    recorded = run.history.select("carrier.delivery_exception")
    assert [(r["status"], r["value"], r["value2"]) for r in recorded] == [("damaged", 1.0, failed)]


def test_the_tracking_api_answers_with_the_exception_scans_too() -> None:
    run, carrier, feed = carrier_with()
    carrier.set_delivery_failures(FailAttempts({1}, "address_problem"))
    tender(run, carrier, 1)
    answers: dict[float, Any] = {}
    for when in (2 * DAY + 18 * HOUR, 7 * DAY):  # after the failed attempt; at the end
        answers[when] = at(run, when, lambda: carrier.track("1Z0000000001"))
    run.sim.run(until=8 * DAY)
    early, late = (answers[w][0] for w in sorted(answers))
    assert [s.code for s in early][-1] == "exception"
    assert early[-1].reason == "address_problem"
    assert list(late) == feed  # the same scans, ids and reasons as the feed brought


def test_after_the_last_failed_attempt_the_shipment_is_returned() -> None:
    run, carrier, feed = carrier_with(attempts=2)
    carrier.set_delivery_failures(FailAttempts({1, 2, 3}, "recipient_absent"))
    tender(run, carrier, 1)
    run.sim.run(until=10 * DAY)
    assert [(s.code, s.reason) for s in feed] == [
        ("picked_up", ""),
        ("in_transit", ""),
        ("out_for_delivery", ""),
        ("exception", "recipient_absent"),
        ("out_for_delivery", ""),
        ("exception", "recipient_absent"),
        ("exception", RETURNED_TO_SENDER),
    ]
    assert feed[-1].occurred_at == 4 * DAY + 7 * HOUR  # Friday, when the van would go out
    assert len({s.event_id for s in feed}) == len(feed)


def test_attempts_are_judged_only_while_the_seam_is_set() -> None:
    run, carrier, feed = carrier_with()
    tender(run, carrier, 1)
    tender(run, carrier, 2)
    failures = FailAttempts({1, 2, 3})
    # set at the end of Wednesday's delivery window: both are already out for delivery
    run.sim.timeout(2 * DAY + 9 * HOUR).callbacks.append(
        lambda _: carrier.set_delivery_failures(failures)
    )
    run.sim.run(until=8 * DAY)
    assert [s.code for s in feed].count("exception") == 0
    assert failures.asked == []


def test_keyed_failures_do_not_depend_on_the_order_they_are_asked_in() -> None:
    failures = KeyedDeliveryFailures.of(
        11, [window("delivery_exception", "carrier.delivery", 0, 1, probability=0.5)]
    )
    assert failures is not None
    asks = [(shipment_key(n, 1), attempt) for n in range(400) for attempt in (1, 2, 3)]
    forward = {ask: failures.failure(*ask) for ask in asks}
    backward = {ask: failures.failure(*ask) for ask in reversed(asks)}
    assert forward == backward
    reasons = [r for r in forward.values() if r]
    assert 0.4 < len(reasons) / len(asks) < 0.6
    assert set(reasons) == set(EXCEPTION_REASONS)


def test_overlapping_windows_combine_as_independent_chances() -> None:
    half = window("delivery_exception", "carrier.delivery", 0, 1, probability=0.5)
    only_damage = window(
        "delivery_exception", "carrier.delivery", 0, 1, probability=0.5, reasons={"damaged": 1}
    )
    failures = KeyedDeliveryFailures.of(1, [half, only_damage])
    assert failures is not None and failures.probability == pytest.approx(0.75)
    none = window("delivery_exception", "carrier.delivery", 0, 1, probability=0.0)
    assert KeyedDeliveryFailures.of(1, [none]) is None  # nothing can fail: the free path


def test_the_fault_sets_the_carriers_seam_only_inside_its_window() -> None:
    run, carrier, _ = carrier_with()
    windows = (window("delivery_exception", "carrier.delivery", HOUR, 2 * HOUR, probability=1),)
    seams = FaultSeams({}, deliveries={"carrier.delivery": carrier})
    FaultRunner(run, FaultTimeline(windows=windows), seams).start()
    seen: list[bool] = []
    for t in (0.5, 1.5, 2.5):
        run.sim.timeout(t * HOUR).callbacks.append(
            lambda _: seen.append(carrier.delivery_failures is not None)
        )
    run.sim.run(until=3 * HOUR)
    assert seen == [False, True, False]


# ============================================================================ small worlds


def fault(probability: float, **params: Any) -> str:
    extra = "".join(f", {k}: {v}" for k, v in params.items())
    return f"faults=[{{kind: delivery_exception, probability: {probability}{extra}}}]"


def scans_by_shipment(result: RunResult) -> dict[tuple[int, int], list[dict[str, Any]]]:
    found: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in result.history.select("carrier.scan"):
        found[(row["order"], row["subject"])].append(row)
    return found


def delivered_at(result: RunResult) -> dict[tuple[int, int], float]:
    return {
        key: float(rows[-1]["value2"])
        for key, rows in scans_by_shipment(result).items()
        if rows[-1]["status"] == "delivered"
    }


@pytest.fixture(scope="module")
def clean_run() -> RunResult:
    return run_small(WEBHOOK)


@pytest.fixture(scope="module")
def faulty_run() -> RunResult:
    return run_small(WEBHOOK, fault(0.4))


def test_a_delivery_exception_lands_in_the_history_then_a_later_delivery(
    clean_run: RunResult, faulty_run: RunResult
) -> None:
    assert clean_run.history.select("carrier.delivery_exception") == []
    redelivered = {
        key: [r["status"] for r in rows]
        for key, rows in scans_by_shipment(faulty_run).items()
        if "exception" in [r["status"] for r in rows] and rows[-1]["status"] == "delivered"
    }
    assert len(redelivered) > 10
    for codes in redelivered.values():
        first = codes.index("exception")
        assert codes[first - 1] == "out_for_delivery"  # the attempt that failed
        assert codes[first + 1] == "out_for_delivery"  # a new attempt, then delivered
    clean, faulty = delivered_at(clean_run), delivered_at(faulty_run)
    # each re-delivered shipment arrives a day or more later than without the fault ...
    assert all(faulty[key] >= clean[key] + 12 * HOUR for key in redelivered)
    # ... and the shipments the fault spared arrive exactly when they did without it
    spared = {
        key
        for key, rows in scans_by_shipment(faulty_run).items()
        if [r["status"] for r in rows]
        == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    }
    assert len(spared) > 40
    assert all(faulty[key] == clean[key] for key in spared)
    # the ERP takes the exception scans (it has no status for them) and the later delivery
    ignored = faulty_run.history.select("erp.tracking_ignored")
    assert {r["status"] for r in ignored} == {"exception"}
    reached = {
        (r["order"], r["subject"])
        for r in faulty_run.history.select("erp.delivery_status")
        if r["status"] == "DELIVERED"
    }
    assert set(redelivered) <= reached


def _last_delivery(result: RunResult) -> pd.Series:
    """Per order: when its last shipment was delivered (the end of its cycle time)."""
    delivered = delivered_at(result)
    return (
        pd.Series(list(delivered.values()), index=[order for order, _ in delivered])
        .groupby(level=0)
        .max()
    )


def test_late_redeliveries_show_in_the_delivery_kpis_and_delivery_health(
    clean_run: RunResult, faulty_run: RunResult
) -> None:
    def cycle(result: RunResult) -> float:
        return float(result.metrics["latency_s"]["order_cycle_time"]["mean"])

    # every order whose last delivery was re-delivered arrives 12 h or more later (see
    # above), so the mean cycle time grows by at least that share of orders x 12 h
    clean_last, faulty_last = _last_delivery(clean_run), _last_delivery(faulty_run)
    later = (faulty_last - clean_last.reindex(faulty_last.index)) >= 12 * HOUR
    assert later.sum() > 20
    delivered = clean_run.metrics["latency_s"]["order_cycle_time"]["count"]
    assert cycle(faulty_run) >= cycle(clean_run) + later.sum() / delivered * 12 * HOUR
    clean = clean_run.metrics["delivery_health"]
    health = faulty_run.metrics["delivery_health"]
    assert clean["delivery_exceptions"] == clean["redelivery_attempts"] == 0
    assert clean["delivery_attempts"]["delivered_first_attempt_share"] == 1.0
    failed = faulty_run.history.select("carrier.delivery_exception")
    attempts = health["delivery_attempts"]
    assert health["delivery_exceptions"] == attempts["failed"] > 20
    assert attempts["failed"] + attempts["returned"] == len(failed)
    assert sum(attempts["failed_by_reason"].values()) == attempts["failed"]
    assert set(attempts["failed_by_reason"]) <= set(EXCEPTION_REASONS)
    outs = [
        r for r in faulty_run.history.select("carrier.scan") if r["status"] == "out_for_delivery"
    ]
    shipments_out = {(r["order"], r["subject"]) for r in outs}
    assert health["redelivery_attempts"] == len(outs) - len(shipments_out) > 20
    assert attempts["delivered_first_attempt_share"] < 0.9


def test_the_fault_hits_the_same_shipments_whatever_carries_the_scans() -> None:
    def hits(result: RunResult) -> list[tuple[Any, ...]]:
        return sorted(
            (r["order"], r["subject"], r["status"], r["value"], r["value2"])
            for r in result.history.select("carrier.delivery_exception")
        )

    webhook = run_small(WEBHOOK, fault(0.3))
    aggregator = run_small(fault(0.3))  # a different integration timing downstream
    assert hits(webhook) == hits(aggregator) != []
    assert run_small(WEBHOOK, fault(0.3)).history_hash == webhook.history_hash


def fates(result: RunResult) -> dict[tuple[int, int], list[str]]:
    """Per (order, n-th shipment of the order): each finished attempt's outcome.

    An attempt is "ok" (delivered) or the reason it failed. Shipments are named by their
    order and sequence, since delivery and tracking numbers differ between patterns.
    """
    tendered: dict[int, list[int]] = defaultdict(list)
    for row in result.history.select("carrier.tendered"):
        tendered[row["order"]].append(row["subject"])
    nth = {(o, d): i + 1 for o, deliveries in tendered.items() for i, d in enumerate(deliveries)}
    reasons = {
        (r["order"], r["subject"], int(r["value"])): r["status"]
        for r in result.history.select("carrier.delivery_exception")
    }
    outcomes: dict[tuple[int, int], list[str]] = {}
    for (order, delivery), rows in scans_by_shipment(result).items():
        attempts: list[str] = []
        for row in rows:
            if row["status"] == "out_for_delivery":
                attempts.append("")
            elif row["status"] == "delivered":
                attempts[-1] = "ok"
            elif row["status"] == "exception" and attempts and not attempts[-1]:
                attempts[-1] = reasons[(order, delivery, len(attempts))]
        outcomes[(order, nth[(order, delivery)])] = [a for a in attempts if a]
    return outcomes


def test_each_shipment_meets_the_same_fate_under_every_pattern() -> None:
    runs = {name: fates(run_small(f"integration.pattern={name}", fault(0.4))) for name in PATTERNS}
    reference = runs[PATTERNS[0]]
    assert sum(1 for attempts in reference.values() if attempts[:1] != ["ok"]) > 20
    for name in PATTERNS[1:]:
        other = runs[name]
        common = set(reference) & set(other)
        assert len(common) > 0.9 * len(reference), name
        for shipment in common:
            made = min(len(reference[shipment]), len(other[shipment]))
            assert reference[shipment][:made] == other[shipment][:made], (name, shipment)


def test_with_every_attempt_failing_shipments_are_returned_and_invariants_hold() -> None:
    result = run_small(WEBHOOK, fault(1.0), "systems.carrier.max_delivery_attempts=2")
    shipments = scans_by_shipment(result)
    assert not [r for r in result.history.select("carrier.scan") if r["status"] == "delivered"]
    returned = {
        key: rows
        for key, rows in shipments.items()
        if [r["status"] for r in rows][-1] == "exception"
        and len([r for r in rows if r["status"] == "out_for_delivery"]) == 2
        and len([r for r in rows if r["status"] == "exception"]) == 3
    }
    assert len(returned) > 20
    reasons = {
        (r["order"], r["subject"]): r["status"]
        for r in result.history.select("carrier.delivery_exception")
    }  # the last per shipment
    assert {reasons[key] for key in returned} == {RETURNED_TO_SENDER}
    health = result.metrics["delivery_health"]
    assert health["delivery_attempts"]["returned"] == len(returned)
    assert health["delivery_exceptions"] >= 2 * len(returned)
    assert health["delivery_attempts"]["delivered_first_attempt_share"] != 1.0  # NaN: none
    # the ERP never shows them delivered, and nothing is invoiced on delivery for them
    delivered = [
        r for r in result.history.select("erp.delivery_status") if r["status"] == "DELIVERED"
    ]
    assert delivered == []
    # every invariant holds, judged at a quiescent end
    judged = verdicts(result)
    assert {name: v.counts for name, v in judged.items() if not v.valid} == {}
    assert judged["convergence"].note == ""
    # the tracking poll (shipments open five days and more, every 12 h) would still be
    # asking after these at the end of the run; it stops once their return is seen
    last_track: dict[int, float] = {}
    for call in result.history.select("endpoint.call"):
        if call["actor"] == "endpoint:carrier.track":
            last_track[call["order"]] = max(last_track.get(call["order"], 0.0), call["time"])
    shipments_of = defaultdict(int)
    for order, _ in shipments:
        shipments_of[order] += 1
    watched = [(order, rows) for (order, _), rows in returned.items() if shipments_of[order] == 1]
    assert len(watched) > 10
    assert all(last_track.get(order, 0.0) <= rows[-1]["value2"] + HOUR for order, rows in watched)


def test_a_fault_window_before_any_delivery_changes_nothing(clean_run: RunResult) -> None:
    early = run_small(WEBHOOK, fault(1.0, windows="[{start_h: 0, end_h: 12}]"))
    assert early.history.select("carrier.delivery_exception") == []
    assert delivered_at(early) == delivered_at(clean_run)


def test_a_redeliverys_timing_is_drawn_for_its_shipment_alone() -> None:
    """Shipment 2 fails alone, or beside shipment 1: its new attempt goes out at one time."""

    def second_attempt(*shipments: int) -> float:
        run, carrier, feed = carrier_with()
        carrier.set_delivery_failures(FailAttempts({1}))
        for n in shipments:
            tender(run, carrier, n)
        run.sim.run(until=8 * DAY)
        mine = [s for s in feed if s.tracking_number == "1Z0000000002"]
        assert [s.code for s in mine][3:5] == ["exception", "out_for_delivery"]
        return mine[4].occurred_at

    assert second_attempt(2) == second_attempt(1, 2)
