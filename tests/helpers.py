"""Small helpers shared by the unit tests."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from sim.engine import History, RunEnvironment


def at(run: RunEnvironment, when: float, op: Callable[[], Generator[Any, Any, Any]]) -> list[Any]:
    """Start ``op()`` at ``when`` in its own process; its answer lands in the returned list."""
    box: list[Any] = []

    def process() -> Generator[Any, Any, None]:
        yield run.sim.timeout(when - run.now)
        box.append((yield from op()))

    run.sim.process(process())
    return box


class Writer:
    """Writes history rows by name, as the systems would; the actor defaults to the
    event's prefix (``erp`` for ``erp.order_created``)."""

    def __init__(self) -> None:
        self.history = History()

    def __call__(
        self,
        time: float,
        event: str,
        order: int = -1,
        subject: int = -1,
        status: str = "",
        value: float = math.nan,
        value2: float = math.nan,
        actor: str | None = None,
    ) -> None:
        h = self.history
        h.record(
            time,
            h.event_code(event),
            h.actor_code(event.split(".")[0] if actor is None else actor),
            order,
            subject,
            h.status_code(status),
            value,
            value2,
        )
