"""An interrupted caller gives its place or its server back (no server leak)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.engine import CALL_EVENT, Constant, Endpoint, EndpointSpec, RunEnvironment
from sim.engine.locked_service import lock_commits
from sim.engine.locks import LOCK_WAIT_EVENT, LockTable


def _setup() -> tuple[RunEnvironment, Endpoint, list[str]]:
    run = RunEnvironment(1)
    endpoint = Endpoint(run, "erp.x", EndpointSpec(service_time=Constant(value=10), concurrency=1))
    return run, endpoint, []


def _caller(
    run: RunEnvironment, ep: Endpoint, order: int, log: list[str]
) -> Generator[Any, Any, None]:
    try:
        result = yield from ep.call(order)
        log.append(f"{order}:{result.status}@{run.now:g}")
    except simpy.Interrupt:
        log.append(f"{order}:interrupted@{run.now:g}")


def test_interrupt_while_queued_leaves_the_queue() -> None:
    run, ep, log = _setup()
    run.sim.process(_caller(run, ep, 0, log))
    waiting = run.sim.process(_caller(run, ep, 1, log))
    run.sim.process(_caller(run, ep, 2, log))

    def interrupter() -> Generator[Any, Any, None]:
        yield run.sim.timeout(3)
        waiting.interrupt("client timeout")

    run.sim.process(interrupter())
    run.sim.run()
    assert log == ["1:interrupted@3", "0:ok@10", "2:ok@20"]
    assert ep.busy == 0 and ep.queue_length == 0
    cols = run.history.columns()
    statuses = [run.history.statuses.name(int(s)) for s in cols["status"]]
    assert statuses.count("interrupted") == 1
    # three call rows; the only others declare the endpoint's servers at its creation
    names = [run.history.events.name(int(e)) for e in cols["event"]]
    assert names.count(CALL_EVENT) == 3
    assert set(names) == {CALL_EVENT, "pool.declared", "pool.member"}


def test_interrupt_during_service_frees_the_server() -> None:
    run, ep, log = _setup()
    serving = run.sim.process(_caller(run, ep, 0, log))
    run.sim.process(_caller(run, ep, 1, log))

    def interrupter() -> Generator[Any, Any, None]:
        yield run.sim.timeout(4)
        serving.interrupt("client timeout")

    run.sim.process(interrupter())
    run.sim.run()
    assert log == ["0:interrupted@4", "1:ok@14"]
    assert ep.busy == 0 and ep.queue_length == 0
    waiting, in_service = ep.monitor.mean_counts(14.0)
    assert in_service == 1.0  # a server was busy from 0 to 14 without a gap
    assert waiting == 4.0 / 14.0


def test_interrupt_in_the_instant_a_server_is_handed_over_passes_it_on() -> None:
    run, ep, log = _setup()
    run.sim.process(_caller(run, ep, 0, log))
    handed = run.sim.process(_caller(run, ep, 1, log))
    run.sim.process(_caller(run, ep, 2, log))

    def interrupter() -> Generator[Any, Any, None]:
        yield run.sim.timeout(10)  # the same instant caller 0 finishes and hands over
        if handed.is_alive:
            handed.interrupt("client timeout")

    run.sim.process(interrupter())
    run.sim.run()
    assert "2:ok@20" in log and ep.busy == 0 and ep.queue_length == 0


def _locked_setup(
    concurrency: int = 2,
) -> tuple[RunEnvironment, Endpoint, LockTable, list[str]]:
    """A 10 s call that works unlocked for 5 s, then commits holding its records for 5 s."""
    run = RunEnvironment(1)
    ep = Endpoint(
        run, "erp.y", EndpointSpec(service_time=Constant(value=10), concurrency=concurrency)
    )
    table = LockTable(run.sim)
    lock_commits(ep, table, 0.5, 60.0)
    return run, ep, table, []


def _locked_caller(
    run: RunEnvironment, ep: Endpoint, order: int, log: list[str], timeout: float = 100.0
) -> Generator[Any, Any, None]:
    def commit() -> str:
        log.append(f"{order}:committed@{run.now:g}")
        return "done"

    try:
        result = yield from ep.call(order, commit, timeout, locks=("customer:1",))
        log.append(f"{order}:{getattr(result, 'status', result)}@{run.now:g}")
    except simpy.Interrupt:
        log.append(f"{order}:interrupted@{run.now:g}")


def _statuses(run: RunEnvironment) -> list[str]:
    cols = run.history.columns()
    call = run.history.events.code(CALL_EVENT)
    return [
        run.history.statuses.name(int(s))
        for e, s in zip(cols["event"], cols["status"], strict=True)
        if e == call
    ]


def test_interrupt_in_the_unlocked_part_of_a_locked_call_leaves_the_work_to_commit() -> None:
    run, ep, table, log = _locked_setup()
    caller = run.sim.process(_locked_caller(run, ep, 0, log))

    def interrupter() -> Generator[Any, Any, None]:
        yield run.sim.timeout(3)
        caller.interrupt("client gone")

    run.sim.process(interrupter())
    run.sim.run()
    # the callee finishes the request it accepted: it locks, commits at 10 and answers no one
    assert log == ["0:interrupted@3", "0:committed@10"]
    assert _statuses(run) == ["late"]
    assert ep.busy == 0 and not table.is_locked("customer:1")


def test_interrupt_in_the_commit_part_of_a_locked_call_leaves_the_work_to_commit() -> None:
    run, ep, table, log = _locked_setup()
    caller = run.sim.process(_locked_caller(run, ep, 0, log))
    run.sim.process(_locked_caller(run, ep, 1, log))

    def interrupter() -> Generator[Any, Any, None]:
        yield run.sim.timeout(7)  # caller 0 holds the record from 5 to 10
        caller.interrupt("client gone")

    run.sim.process(interrupter())
    run.sim.run()
    # caller 0's work keeps the record and commits at 10; caller 1 waited for it from 5
    assert log == ["0:interrupted@7", "0:committed@10", "1:committed@15", "1:done@15"]
    assert _statuses(run) == ["late", "ok"]
    assert ep.busy == 0 and not table.is_locked("customer:1")


def test_a_locked_call_whose_records_are_held_waits_for_them_then_commits() -> None:
    run, ep, table, log = _locked_setup()
    run.sim.process(_locked_caller(run, ep, 0, log))
    run.sim.process(_locked_caller(run, ep, 1, log))
    run.sim.run()
    assert log == ["0:committed@10", "0:done@10", "1:committed@15", "1:done@15"]
    names = [run.history.events.name(int(e)) for e in run.history.columns()["event"]]
    assert names.count(LOCK_WAIT_EVENT) == 1  # only the call that found the record held
    assert ep.busy == 0 and not table.is_locked("customer:1")


def test_a_caller_whose_patience_ends_while_its_records_are_held_gets_no_answer() -> None:
    run, ep, _table, log = _locked_setup()
    run.sim.process(_locked_caller(run, ep, 0, log))
    run.sim.process(_locked_caller(run, ep, 1, log, timeout=12.0))
    run.sim.run()
    # caller 1 gives up at 12; its work still gets the record at 10 and commits at 15
    assert log == ["0:committed@10", "0:done@10", "1:timeout@12", "1:committed@15"]
    assert _statuses(run) == ["ok", "late"]
