"""Durable writes: retry a write, and park what still fails until it lands (store and forward).

A write runs with its caller's retry policy. If that gives up, the work is parked
(``integration.parked``) and retried steadily, waiting out an open breaker, until it lands
(``integration.unparked``): an outage delays work but loses none. With store and forward
switched off, or if even parking gives up, the write becomes an exception a person can
have done again (``<what>_failed``): the write itself, or the ``redo`` its caller gives
(when what follows the write must be done again too).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from sim.engine import CallResult
from sim.integration.adapters import Redo
from sim.integration.messaging import Retrier

__all__ = ["DurableWriter"]


class DurableWriter:
    """Runs writes with retries and parking; counts what is parked now."""

    def __init__(
        self,
        record: Callable[..., None],
        store_and_forward: bool,
        raise_exception: Callable[[int, str, Redo | None], None],
    ) -> None:
        self.record = record
        self.store_and_forward = store_and_forward
        self.raise_exception = raise_exception
        self.parked = 0
        """Writes held for a later retry right now."""

    def until_done(
        self,
        retrier: Retrier,
        parking: Retrier,
        operation: Callable[[], Generator[Any, Any, Any]],
        ref: int,
        what: str,
        redo: Redo | None = None,
    ) -> Generator[Any, Any, Any]:
        """Run ``operation`` until it lands; its answer, or the failure it ended with."""
        answer = yield from retrier.run_call(operation, ref)
        if not isinstance(answer, CallResult) or answer.ok:
            return answer
        if redo is None:
            redo = partial(retrier.run_call, operation, ref)
        if not self.store_and_forward:
            self.raise_exception(ref, f"{what}_failed", redo)
            return answer
        self.record("parked", order=ref, status=what)
        self.parked += 1
        answer = yield from parking.run_call(operation, ref)
        self.parked -= 1
        if isinstance(answer, CallResult) and not answer.ok:
            self.raise_exception(ref, f"{what}_failed", redo)
            return answer
        self.record("unparked", order=ref, status=what)
        return answer
