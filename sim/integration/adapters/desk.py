"""Order desk adapter: exceptions in, people's decisions out, in the integration's terms."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, NamedTuple

from mock_systems.desk import Desk, Resolution

__all__ = ["DeskAdapter", "Decision", "Redo"]

Redo = Callable[[], Generator[Any, Any, Any]]
"""Work a person can have done again (resubmit the order, repeat a write)."""


class Decision(NamedTuple):
    """A person's decision on one exception: ``release``, ``resubmit`` or ``cancel``."""

    order_ref: int
    reason: str
    outcome: str
    redo: Redo | None


class DeskAdapter:
    """Hands work items to the people of the order desk and their decisions back."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def on_decision(self, consumer: Callable[[Decision], None]) -> None:
        """Call ``consumer`` with each decision as the desk resolves an item."""

        def convert(resolution: Resolution) -> None:
            item = resolution.item
            redo = item.detail.get("redo")
            consumer(
                Decision(
                    item.order_ref,
                    item.reason,
                    resolution.outcome,
                    redo if callable(redo) else None,
                )
            )

        self.desk.resolutions.deliver_to(convert)

    def raise_item(self, order_ref: int, reason: str, redo: Redo | None) -> None:
        """Queue a work item for a person (no simulated time: a queue insert)."""
        self.desk.raise_item(order_ref, reason, {"redo": redo})
