"""Unit tests of the mock order desk: shifts, priorities, outcomes and staffing changes.

The run starts Monday 2026-11-23 00:00 UTC; the desk works Monday to Friday 08:00-17:00,
so t = d * DAY + h * HOUR is weekday d at h:00.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from pydantic import ValidationError

from mock_systems.desk import Desk, DeskConfig, Resolution, WorkItem
from sim.engine import Constant, RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
MINUTE = 60.0


def make_desk(seed: int = 1, **config: Any) -> tuple[RunEnvironment, Desk]:
    run = RunEnvironment(seed)
    config.setdefault("default_resolution_time", Constant(value=10 * MINUTE))
    config.setdefault("resolution_time", {})
    return run, Desk(run, DeskConfig(**config), WorkCalendar(MONDAY))


def later(run: RunEnvironment, when: float, action: Callable[[], object]) -> None:
    """Run ``action`` at simulated time ``when``."""

    def process() -> Generator[Any, Any, None]:
        yield run.sim.timeout(when - run.now)
        action()

    run.sim.process(process())


def collect(run: RunEnvironment, desk: Desk) -> list[Resolution]:
    got: list[Resolution] = []

    def consumer() -> Generator[Any, Any, None]:
        while True:
            got.append((yield from desk.resolutions.take()))

    run.sim.process(consumer())
    return got


def rows(run: RunEnvironment, event: str) -> list[dict[str, Any]]:
    return run.history.select(f"desk.{event}")


def wilson(successes: int, n: int, z: float = 3.29) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (z = 3.29: 99.9 %)."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_items_raised_at_night_wait_for_the_shift() -> None:
    run, desk = make_desk(headcount=4)
    got = collect(run, desk)
    later(run, 2 * HOUR, lambda: desk.raise_item(11, "credit_hold", {"note": "over limit"}))
    later(run, 3 * HOUR, lambda: desk.raise_item(12, "dead_letter"))
    run.sim.run(until=DAY)
    raised = rows(run, "item_raised")
    assert [(r["time"], r["order"], r["subject"], r["status"]) for r in raised] == [
        (2 * HOUR, 11, 1, "credit_hold"),
        (3 * HOUR, 12, 2, "dead_letter"),
    ]
    started = rows(run, "item_started")
    assert [r["time"] for r in started] == [8 * HOUR, 8 * HOUR]
    assert [r["value"] for r in started] == [6 * HOUR, 5 * HOUR]
    resolved = rows(run, "item_resolved")
    assert [r["time"] for r in resolved] == [8 * HOUR + 10 * MINUTE] * 2
    assert [r["value2"] for r in resolved] == [10 * MINUTE] * 2
    assert resolved[0]["value"] == 6 * HOUR + 10 * MINUTE
    assert [r.item.order_ref for r in got] == [11, 12]
    assert got[0].item.detail == {"note": "over limit"}
    assert got[0].outcome in ("release", "cancel") and got[1].outcome == "resubmit"
    assert desk.queue_length() == 0 and desk.in_progress == 0


def test_one_person_works_one_item_at_a_time_oldest_first() -> None:
    run, desk = make_desk(headcount=1)
    reasons = ["pricing_mismatch", "credit_hold", "manual_rekey", "pricing_mismatch", "other"]
    for i, reason in enumerate(reasons):
        later(run, 9 * HOUR + i, partial(desk.raise_item, 100 + i, reason))
    run.sim.run(until=DAY)
    started = rows(run, "item_started")
    resolved = rows(run, "item_resolved")
    assert [r["subject"] for r in started] == [1, 2, 3, 4, 5]
    assert [r["subject"] for r in resolved] == [1, 2, 3, 4, 5]
    assert {r["value2"] for r in started} == {0.0}  # always worker 0
    for nxt, done in zip(started[1:], resolved[:-1], strict=True):
        assert nxt["time"] == done["time"]  # the next starts only when the last is done
    assert resolved[-1]["time"] == pytest.approx(9 * HOUR + 50 * MINUTE)


def test_priority_by_reason_then_fifo_then_oldest_of_the_unlisted() -> None:
    run, desk = make_desk(headcount=1, priority=("credit_hold", "dead_letter"))
    reasons = [
        "pricing_mismatch",
        "manual_rekey",
        "credit_hold",
        "pricing_mismatch",
        "dead_letter",
        "credit_hold",
    ]
    for i, reason in enumerate(reasons):
        later(run, HOUR + i, partial(desk.raise_item, 1, reason))
    run.sim.run(until=6 * HOUR)
    assert desk.queue_length() == 6
    assert desk.queue_length("credit_hold") == 2 and desk.queue_length("nothing") == 0
    assert desk.oldest_age(6 * HOUR) == 5 * HOUR
    run.sim.run(until=DAY)
    assert [r["subject"] for r in rows(run, "item_started")] == [3, 6, 5, 1, 2, 4]
    assert desk.oldest_age(DAY) == 0.0


def test_work_crossing_the_end_of_a_shift_resumes_next_shift() -> None:
    run, desk = make_desk(headcount=1, default_resolution_time=Constant(value=2 * HOUR))
    later(run, 16 * HOUR, lambda: desk.raise_item(1, "master_data_conflict"))
    later(run, 4 * DAY + 16.5 * HOUR, lambda: desk.raise_item(2, "master_data_conflict"))
    run.sim.run(until=8 * DAY)
    first, friday = rows(run, "item_resolved")
    assert first["time"] == pytest.approx(DAY + 9 * HOUR)  # 1 h on Monday, 1 h on Tuesday
    assert first["value"] == pytest.approx(17 * HOUR)
    assert first["value2"] == 2 * HOUR
    # Friday 16:30 + 2 h of work: 30 min on Friday, 90 min on the next Monday.
    assert friday["time"] == pytest.approx(7 * DAY + 9.5 * HOUR)
    assert friday["value"] == pytest.approx(2 * DAY + 17 * HOUR)


def outcome_counts(outcomes: dict[str, float], n: int, seed: int = 3) -> Counter[str]:
    run, desk = make_desk(
        seed,
        headcount=4,
        default_resolution_time=Constant(value=1.0),
        outcomes={"credit_hold": outcomes},
    )
    got = collect(run, desk)
    later(run, 8 * HOUR, lambda: [desk.raise_item(i, "credit_hold") for i in range(n)])
    run.sim.run(until=DAY)
    assert len(got) == n and len(rows(run, "item_resolved")) == n
    return Counter(r.outcome for r in got)


def test_outcomes_follow_the_configured_probabilities() -> None:
    n = 3000
    counts = outcome_counts({"release": 0.5, "resubmit": 0.3, "cancel": 0.2}, n)
    for outcome, p in (("release", 0.5), ("resubmit", 0.3), ("cancel", 0.2)):
        low, high = wilson(counts[outcome], n)
        assert low <= p <= high, (outcome, counts[outcome])
    # The same interval rejects a deliberately wrong probability.
    low, high = wilson(counts["release"], n)
    assert not low <= 0.4 <= high and not low <= 0.6 <= high


def test_default_outcome_tables() -> None:
    n = 2000
    counts = outcome_counts(DeskConfig().outcomes["credit_hold"], n, seed=9)
    assert set(counts) == {"release", "cancel"}
    low, high = wilson(counts["release"], n)
    assert low <= 0.8 <= high
    assert not low <= 0.7 <= high


def periodic(run: RunEnvironment, desk: Desk, every: float, until: float) -> None:
    def process() -> Generator[Any, Any, None]:
        order = 0
        while run.now < until:
            order += 1
            desk.raise_item(order, "pricing_mismatch")
            yield run.sim.timeout(every)

    run.sim.process(process())


def test_headcount_zero_lets_the_backlog_grow_and_two_drain_it() -> None:
    arrivals_end = 14 * DAY
    run, idle = make_desk(headcount=0)
    periodic(run, idle, 2 * HOUR, arrivals_end)
    sizes, ages = [], []
    for day in range(1, 14):
        run.sim.run(until=day * DAY + 1.0)
        sizes.append(idle.queue_length())
        ages.append(idle.oldest_age(run.now))
    assert sizes == [12 * day + 1 for day in range(1, 14)]  # one at every even hour
    assert ages == [day * DAY + 1.0 for day in range(1, 14)]
    assert rows(run, "item_started") == []
    assert idle.backlog["pricing_mismatch"].mean(run.now) == pytest.approx(78.5, abs=0.5)

    run, staffed = make_desk(headcount=2, default_resolution_time=Constant(value=20 * MINUTE))
    periodic(run, staffed, 2 * HOUR, arrivals_end)
    run.sim.run()  # ends only when nothing is scheduled: no polling, no busy loop
    assert run.now < arrivals_end + 2 * DAY
    assert staffed.queue_length() == 0 and staffed.oldest_age(run.now) == 0.0
    assert len(rows(run, "item_resolved")) == 7 * 12 * 2
    assert {r["value2"] for r in rows(run, "item_started")} == {0.0, 1.0}


def test_set_headcount_down_then_up_loses_no_item() -> None:
    run, desk = make_desk(headcount=2, default_resolution_time=Constant(value=30 * MINUTE))
    got = collect(run, desk)
    later(run, 8 * HOUR, lambda: [desk.raise_item(i, "manual_rekey") for i in range(20)])
    later(run, 9.25 * HOUR, lambda: desk.set_headcount(0))
    later(run, DAY + 10 * HOUR, lambda: desk.set_headcount(3))
    run.sim.run(until=DAY)
    started = rows(run, "item_started")
    # Workers 0 and 1 start at 8:00, 8:30 and 9:00, finish at 9:30 and stop.
    assert [r["time"] for r in started] == [8 * HOUR] * 2 + [8.5 * HOUR] * 2 + [9 * HOUR] * 2
    assert len(got) == 6 and desk.queue_length() == 14 and desk.in_progress == 0
    run.sim.run()  # drains and stops: idle workers wait on an event, they do not poll
    started = rows(run, "item_started")
    assert min(r["time"] for r in started[6:]) == DAY + 10 * HOUR
    assert {r["value2"] for r in started[6:]} == {0.0, 1.0, 2.0}
    assert sorted(r.item.order_ref for r in got) == list(range(20))
    assert len({r.item.item_id for r in got}) == 20
    assert desk.queue_length() == 0 and desk.in_progress == 0
    assert [(r["time"], r["value"]) for r in rows(run, "headcount")] == [
        (9.25 * HOUR, 0.0),
        (DAY + 10 * HOUR, 3.0),
    ]
    assert desk.headcount == 3


def test_headcount_raised_from_zero_overnight_starts_at_the_opening() -> None:
    run, desk = make_desk(headcount=0)
    later(run, 2 * HOUR, lambda: desk.raise_item(1, "dead_letter"))
    later(run, 3 * HOUR, lambda: desk.set_headcount(1))
    later(run, 4 * HOUR, lambda: desk.set_headcount(0))
    later(run, 8 * HOUR + 30 * MINUTE, lambda: desk.set_headcount(1))
    run.sim.run()
    (started,) = rows(run, "item_started")
    assert started["time"] == 8 * HOUR + 30 * MINUTE
    with pytest.raises(ValueError, match="at least 0"):
        desk.set_headcount(-1)


def random_world(seed: int) -> str:
    run = RunEnvironment(seed)
    desk = Desk(run, DeskConfig(headcount=3), WorkCalendar(MONDAY))
    rng = run.streams.stream("test.arrivals")
    reasons = [*sorted(DeskConfig().resolution_time), "unlisted"]

    def arrivals() -> Generator[Any, Any, None]:
        for order in range(400):
            yield run.sim.timeout(float(rng.exponential(20 * MINUTE)))
            desk.raise_item(order, reasons[int(rng.integers(len(reasons)))])

    run.sim.process(arrivals())
    later(run, 2 * DAY, lambda: desk.set_headcount(1))
    later(run, 3 * DAY, lambda: desk.set_headcount(5))
    run.sim.run(until=14 * DAY)
    assert len(rows(run, "item_resolved")) == 400
    return run.history.content_hash()


def test_same_seed_gives_the_same_history() -> None:
    assert random_world(7) == random_world(7)
    assert random_world(7) != random_world(8)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"release": 0.7, "cancel": 0.2}, "sum to 0.9"),
        ({"release": 0.8, "escalate": 0.2}, "unknown outcomes"),
        ({"release": 1.2, "cancel": -0.2}, r"\[0, 1\]"),
    ],
)
def test_an_invalid_outcome_table_is_rejected_naming_the_reason(
    table: dict[str, float], message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as error:
        DeskConfig(outcomes={"credit_hold": table})
    assert "credit_hold" in str(error.value)


def test_config_defaults_and_other_validation() -> None:
    config = DeskConfig()
    assert config.headcount == 4 and config.priority == ()
    assert config.shifts[0].start_hour == 8 and config.shifts[0].end_hour == 17
    for reason, table in config.outcomes.items():
        assert math.isclose(sum(table.values()), 1.0), reason
    with pytest.raises(ValidationError):
        DeskConfig(headcount=-1)
    with pytest.raises(ValidationError, match="twice"):
        DeskConfig(priority=("credit_hold", "credit_hold"))
    with pytest.raises(ValidationError):
        DeskConfig(surprise=1)  # type: ignore[call-arg]
    item = WorkItem(1, 2, "credit_hold", 0.0, {"a": 1})
    assert hash(item) == hash(WorkItem(1, 2, "credit_hold", 0.0, {"b": 2}))
