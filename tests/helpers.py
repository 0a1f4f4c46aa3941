"""Small helpers shared by the unit tests."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from sim.engine import RunEnvironment


def at(run: RunEnvironment, when: float, op: Callable[[], Generator[Any, Any, Any]]) -> list[Any]:
    """Start ``op()`` at ``when`` in its own process; its answer lands in the returned list."""
    box: list[Any] = []

    def process() -> Generator[Any, Any, None]:
        yield run.sim.timeout(when - run.now)
        box.append((yield from op()))

    run.sim.process(process())
    return box
