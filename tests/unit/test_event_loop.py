"""SimEnvironment processes events exactly as SimPy's Environment does, with fewer calls."""

from __future__ import annotations

import gc
import random
import weakref
from collections.abc import Generator
from typing import Any

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.event_loop import FastProcess, SimEnvironment


def _world(env: simpy.Environment, seed: int, trace: list[tuple[Any, ...]]) -> None:
    """Processes that wait, signal, race, interrupt, fail and are defused, all traced."""
    rng = random.Random(seed)
    signals = [env.event() for _ in range(4)]

    def worker(k: int) -> Generator[simpy.Event, Any, int]:
        for step in range(rng.randint(1, 6)):
            try:
                choice = rng.random()
                if choice < 0.5:
                    yield env.timeout(rng.choice([0.0, 0.5, 1.0, rng.random() * 3]))
                elif choice < 0.7:
                    got = yield env.timeout(1.0, value=k) | signals[k % 4]
                    trace.append(("race", k, env.now, len(got.todict())))
                elif choice < 0.85 and not signals[k % 4].triggered:
                    signals[k % 4].succeed(k)
                    yield env.timeout(0)
                else:
                    yield env.all_of([env.timeout(0.25), env.timeout(0.75)])
            except simpy.Interrupt as interrupt:
                trace.append(("interrupted", k, env.now, interrupt.cause))
            trace.append(("step", k, step, env.now))
        if rng.random() < 0.2:
            raise KeyError(k)
        return k

    def watcher(proc: simpy.Process, k: int) -> Generator[simpy.Event, Any, None]:
        try:
            value = yield proc
            trace.append(("done", k, env.now, value))
        except KeyError as error:
            trace.append(("failed", k, env.now, str(error)))

    def interrupter(procs: list[simpy.Process]) -> Generator[simpy.Event, Any, None]:
        for _ in range(5):
            yield env.timeout(rng.random() * 2)
            target = rng.choice(procs)
            if target.is_alive:
                target.interrupt(cause=env.now)

    procs = [env.process(worker(k)) for k in range(12)]
    for k, proc in enumerate(procs):
        env.process(watcher(proc, k))
    env.process(interrupter(procs))


def _trace(kind: type[simpy.Environment], seed: int) -> list[tuple[Any, ...]]:
    env = kind()
    trace: list[tuple[Any, ...]] = []
    _world(env, seed, trace)
    env.run(until=2.0)
    trace.append(("paused", env.now))
    stop = env.timeout(1.5, value="stop")
    trace.append(("until event", env.run(until=stop), env.now))
    env.step()
    trace.append(("stepped", env.now))
    env.run()
    trace.append(("end", env.now))
    return trace


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_the_same_world_gives_the_same_trace(seed: int) -> None:
    assert _trace(SimEnvironment, seed) == _trace(simpy.Environment, seed)


def test_now_is_kept_equal_to_simpys_clock() -> None:
    clocks: dict[str, list[float]] = {}
    for kind in (SimEnvironment, simpy.Environment):
        env = kind(initial_time=5.0)
        seen = clocks.setdefault(kind.__name__, [env.now])

        def proc(env: simpy.Environment = env, seen: list[float] = seen) -> Any:
            for delay in (1.0, 0.0, 2.5):
                yield env.timeout(delay)
                seen.append(env.now)

        env.process(proc())
        env.run(until=7.0)
        seen.append(env.now)
        while env.peek() < float("inf"):
            env.step()
            seen.append(env.now)
            assert env.now == env._now
    assert clocks["SimEnvironment"] == clocks["Environment"]
    assert clocks["SimEnvironment"][:4] == [5.0, 6.0, 6.0, 7.0]
    assert clocks["SimEnvironment"][-1] == 8.5


def test_a_finished_process_is_freed_without_the_cyclic_collector() -> None:
    env = SimEnvironment()

    def proc() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1.0)

    process = env.process(proc())
    assert isinstance(process, FastProcess)
    alive = weakref.ref(process)
    del process
    gc.disable()
    try:
        env.run()
        assert alive() is None  # reference counting alone freed it: no cycle holds it
    finally:
        gc.enable()


def test_a_negative_timeout_and_a_bad_yield_are_refused_like_simpy() -> None:
    env = SimEnvironment()
    with pytest.raises(ValueError, match="Negative delay"):
        env.timeout(-1.0)

    def bad() -> Generator[Any, Any, None]:
        yield 42

    env.process(bad())
    with pytest.raises(RuntimeError, match="Invalid yield value"):
        env.run()


def test_an_unhandled_failure_crashes_the_run_like_simpy() -> None:
    for kind in (SimEnvironment, simpy.Environment):
        env = kind()

        def boom(env: simpy.Environment = env) -> Generator[simpy.Event, Any, None]:
            yield env.timeout(1.0)
            raise ZeroDivisionError("x")

        env.process(boom())
        with pytest.raises(ZeroDivisionError):
            env.run()
        assert env.now == 1.0


def test_until_in_the_past_and_an_untriggered_until_event_fail_like_simpy() -> None:
    env = SimEnvironment()
    env.run(until=3.0)
    with pytest.raises(ValueError, match="must be greater"):
        env.run(until=2.0)
    with pytest.raises(RuntimeError, match="No scheduled events left"):
        env.run(until=env.event())
