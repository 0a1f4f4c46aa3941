"""The polling and bulk-sync transports on their own, with a stand-in ERP and CRM sync."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters import StatusReading
from sim.integration.blocks import BulkSync, OrderPoller
from sim.integration.messaging import Outcome


class _Sync:
    """Records what it was asked to write."""

    def __init__(self) -> None:
        self.written: list[tuple[int, int]] = []

    def apply(self, news: Any) -> Generator[Any, Any, Outcome]:
        self.written.append((news.order_ref, news.version))
        yield from ()
        return Outcome.APPLIED


def _reading(ref: int, version: int, status: str = "CREATED") -> StatusReading:
    return StatusReading(ref, status, version, "D1", 0.0)


def test_a_failed_extract_leaves_the_watermark_so_nothing_is_skipped() -> None:
    run = RunEnvironment(seed=1)
    sync = _Sync()
    asked: list[float] = []
    answers: list[Any] = [CallResult(status="unavailable"), [_reading(1, 3)], []]

    def extract(since: float) -> Generator[Any, Any, Any]:
        asked.append(since)
        yield run.sim.timeout(1)
        return answers.pop(0)

    bulk = BulkSync(
        run, lambda *a, **k: None, extract, sync, 100.0, lambda job: run.sim.process(job())
    )
    bulk.start()
    run.sim.run(until=350)
    assert asked == [0.0, 0.0, 200.0]  # the failed run at 100 moved nothing
    assert sync.written == [(1, 3)]


def test_the_poller_writes_only_changes_and_stops_at_a_final_status() -> None:
    run = RunEnvironment(seed=1)
    sync = _Sync()
    statuses: dict[int, list[StatusReading | None]] = {
        1: [_reading(1, 1), _reading(1, 1), _reading(1, 2, "DELIVERED")],
        2: [None] * 5,
    }
    reads: list[int] = []

    def read(ref: int) -> Generator[Any, Any, Any]:
        reads.append(ref)
        yield run.sim.timeout(1)
        return statuses[ref].pop(0) if statuses[ref] else None

    poller = OrderPoller(
        run,
        lambda *a, **k: None,
        read,
        sync,
        100.0,
        2,
        lambda reading: reading.status == "DELIVERED",
    )
    poller.watch(1)
    poller.watch(2)
    poller.start()
    run.sim.run(until=450)
    assert sync.written == [(1, 1), (1, 2)]  # the unchanged second reading is not written
    assert 1 not in poller.open and 2 in poller.open  # delivered leaves, unknown stays
    assert reads.count(1) == 3 and reads.count(2) == 4


def test_the_poller_polls_a_paused_order_only_when_it_is_due_again() -> None:
    run = RunEnvironment(seed=1)
    sync = _Sync()
    readings = [_reading(1, 1, "DELIVERED")] * 20
    reads: list[float] = []

    def read(ref: int) -> Generator[Any, Any, Any]:
        reads.append(run.now)
        yield run.sim.timeout(1)
        return readings.pop(0)

    poller = OrderPoller(
        run,
        lambda *a, **k: None,
        read,
        sync,
        100.0,
        1,
        lambda _reading: False,  # never done: e.g. waiting for a payment
        lambda reading: 1000.0 if reading.status == "DELIVERED" else 0.0,
    )
    poller.watch(1)
    poller.start()
    run.sim.run(until=2550)
    # the job runs 100 s after the previous run ended (a read takes 1 s; runs with nothing
    # due take none): read at 100, due again at 1101, read by the run at 1101, due at 2102
    assert reads == [100.0, 1101.0, 2102.0]
    assert sync.written == [(1, 1)]  # unchanged readings are not written again
