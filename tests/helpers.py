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


def assert_same_data(a: Any, b: Any, path: str = "") -> None:
    """Deep equality of plain data in which NaN equals NaN (``==`` on dicts does not say so
    for NaNs that are distinct objects, as they are after unpickling or a worker's return)."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys differ"
        for key in a:
            assert_same_data(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_data(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), f"{path}: nan != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"
