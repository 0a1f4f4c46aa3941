"""An interrupted caller gives its place or its server back (no server leak)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.engine import CALL_EVENT, Constant, Endpoint, EndpointSpec, RunEnvironment


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
