from __future__ import annotations

from sim.checks import message_conservation
from sim.checks.message_conservation import NOT_JUDGED
from tests.checks.support import Row, bus_world, has_row, row, run_ended, without, write

SYNC, ROUTER = "subscriber:crm-sync", "subscriber:router"


def _replace(
    rows: list[Row], event: str, actor: str, subject: int, time: float, new: Row
) -> list[Row]:
    """``rows`` with the one matching row swapped for ``new``."""
    match = [
        i
        for i, r in enumerate(rows)
        if (r["event"], r["actor"], r["subject"], r["time"]) == (event, actor, subject, time)
    ]
    assert len(match) == 1
    return [*rows[: match[0]], new, *rows[match[0] + 1 :]]


def test_every_copy_is_accounted_for() -> None:
    verdict = message_conservation(write(bus_world()))
    assert verdict.valid, verdict.witness
    counts = verdict.counts
    assert counts["published"] == 3
    assert counts["subscriptions"] == 2
    assert (counts["delivered"], counts["applied"], counts["discarded"]) == (5, 3, 1)
    assert (counts["dead_lettered"], counts["replayed"], counts["dlq_depth_at_end"]) == (1, 1, 0)
    assert counts["in_flight"] == counts["undelivered"] == counts["dropped"] == 0
    assert counts["crm-sync/delivered"] == 3
    assert counts["crm-sync/discarded"] == 1
    assert counts["router/delivered"] == 2
    assert counts["router/dead_lettered"] == counts["router/replayed"] == 1
    assert (counts["run_end_in_flight"], counts["run_end_pending"]) == (0, 0)


def test_a_dropped_copy_is_a_loss() -> None:
    dropped = row(5, "bus.dropped", 1, 1, "no_dlq", actor=SYNC)
    rows = _replace(bus_world(), "bus.applied", SYNC, 1, 5, dropped)
    verdict = message_conservation(write(rows))
    assert not verdict.valid
    assert verdict.counts["dropped"] == 1
    assert verdict.counts["crm-sync/dropped"] == 1
    assert verdict.counts["in_flight"] == 0
    assert has_row(verdict.witness, "bus.dropped", actor=SYNC, subject=1)
    assert has_row(verdict.witness, "bus.delivered", actor=SYNC, subject=1)


def test_a_copy_applied_twice_is_caught() -> None:
    twice = row(9, "bus.applied", 1, 2, "PickReleased", actor=SYNC)
    rows = _replace(bus_world(), "bus.discarded", SYNC, 2, 9, twice)
    verdict = message_conservation(write(rows))
    assert not verdict.valid
    assert verdict.counts["applied_twice"] == 1
    assert verdict.counts["crm-sync/applied_twice"] == 1
    applied = [w for w in verdict.witness if w["event"] == "bus.applied"]
    assert [w["time"] for w in applied] == [7.0, 9.0]
    assert all(w["actor"] == SYNC for w in verdict.witness)


def test_a_message_never_delivered_at_a_quiescent_end() -> None:
    rows = [r for r in bus_world() if not (r["actor"] == ROUTER and r["subject"] == 2)]
    verdict = message_conservation(write(rows))
    assert not verdict.valid
    assert verdict.counts["undelivered"] == 1
    assert verdict.counts["router/undelivered"] == 1
    assert has_row(verdict.witness, "bus.published", subject=2, actor="topic:orders")


def test_undelivered_and_in_flight_are_only_reported_before_quiescence() -> None:
    rows = [
        r for r in bus_world(quiescent=False) if not (r["actor"] == ROUTER and r["subject"] == 2)
    ]
    rows.append(row(30, "bus.delivered", 1, 1, "OrderAccepted", value=2, actor=SYNC))
    verdict = message_conservation(write(rows))
    assert verdict.valid
    assert verdict.counts["undelivered"] == 1
    assert verdict.counts["in_flight"] == 1
    assert verdict.counts["run_end_in_flight"] == 1
    no_end = message_conservation(write(without(rows, "run.ended")))
    assert no_end.valid
    assert no_end.counts["run_end_in_flight"] == -1


def test_a_copy_in_flight_at_a_quiescent_end_is_caught() -> None:
    rows = [*bus_world(), row(30, "bus.delivered", 1, 1, "OrderAccepted", value=2, actor=SYNC)]
    verdict = message_conservation(write(rows))
    assert not verdict.valid
    assert verdict.counts["in_flight"] == 1
    assert has_row(verdict.witness, "bus.delivered", time=30.0, actor=SYNC)


def test_the_dlq_depth_is_what_was_never_replayed() -> None:
    rows = [r for r in bus_world() if not (r["actor"] == ROUTER and r["time"] >= 20)]
    verdict = message_conservation(write(rows))
    assert verdict.valid
    assert verdict.counts["dlq_depth_at_end"] == verdict.counts["router/dlq_depth_at_end"] == 1


def test_more_outcomes_than_copies_or_replays_than_dead_letters() -> None:
    extra = [
        *bus_world(),
        row(40, "bus.applied", 1, 1, "OrderAccepted", actor=ROUTER),
        row(41, "bus.replayed", 1, 1, actor=SYNC),
        row(42, "bus.delivered", 1, 1, "OrderAccepted", value=2, actor=SYNC),
        row(43, "bus.discarded", 1, 1, "duplicate", actor=SYNC),
    ]
    verdict = message_conservation(write(extra))
    assert not verdict.valid
    assert verdict.counts["negative_in_flight"] == 1
    assert verdict.counts["over_replayed"] == 1
    assert verdict.counts["unexpected"] == 1  # router's filter declines OrderAccepted
    assert has_row(verdict.witness, "bus.applied", actor=ROUTER, subject=1)
    assert has_row(verdict.witness, "bus.replayed", actor=SYNC, subject=1)


def test_a_copy_of_a_message_never_published_is_unexpected() -> None:
    rows = [
        *bus_world(),
        row(50, "bus.delivered", 7, 77, "OrderAccepted", value=1, actor=SYNC),
        row(51, "bus.applied", 7, 77, "OrderAccepted", actor=SYNC),
    ]
    verdict = message_conservation(write(rows))
    assert not verdict.valid
    assert verdict.counts["unexpected"] == 1
    assert has_row(verdict.witness, "bus.applied", subject=77)


def test_a_history_from_before_the_bus_contract_is_not_judged() -> None:
    rows = [
        row(1, "bus.published", 1, 1, "OrderAccepted", actor="bus"),
        row(2, "bus.applied", 1, 1, "OrderAccepted", actor=SYNC),
        run_ended(10),
    ]
    verdict = message_conservation(write(rows))
    assert verdict.valid
    assert verdict.note == NOT_JUDGED
    assert verdict.counts == {"published": 1, "run_end_in_flight": 0, "run_end_pending": 0}


def test_the_witness_shows_the_first_offenders_by_subscription_then_message() -> None:
    # router is declared first (a lower actor code), but crm-sync comes first by name
    rows = [row(0, "bus.subscribed", status="orders", actor=ROUTER), *bus_world()]
    for message in range(41, 48):
        kind = "PickReleased" if message < 45 else "OrderAccepted"  # router takes the first
        rows.append(row(30, "bus.published", 1, message, kind, actor="topic:orders"))
        rows.append(row(31, "bus.delivered", 1, message, kind, value=1, actor=SYNC))
        outcome = "bus.applied" if message < 45 else "bus.dropped"
        rows.append(row(32, outcome, 1, message, "no_dlq", actor=SYNC))
        if message < 45:
            rows.append(row(31, "bus.delivered", 1, message, kind, value=1, actor=ROUTER))
            rows.append(row(32, "bus.dropped", 1, message, "no_dlq", actor=ROUTER))
    verdict = message_conservation(write(rows))
    assert not verdict.valid
    assert verdict.counts["dropped"] == 7
    shown = {(w["actor"], w["subject"]) for w in verdict.witness if w["event"] == "bus.dropped"}
    # seven offenders, five shown: crm-sync's three, then router's two lowest messages
    assert shown == {(SYNC, 45), (SYNC, 46), (SYNC, 47), (ROUTER, 41), (ROUTER, 42)}


def test_a_message_number_published_twice_owes_each_subscription_one_copy() -> None:
    # the publication of message 1 recorded again (a publisher's retry): crm-sync got and
    # applied one copy, which is all it is owed
    rows = bus_world()
    rows.insert(4, row(1.5, "bus.published", 1, 1, "OrderAccepted", value=1, actor="topic:orders"))
    verdict = message_conservation(write(rows))
    assert verdict.valid, verdict.witness
    assert verdict.counts["undelivered"] == 0
    assert verdict.counts["crm-sync/delivered"] == 3
