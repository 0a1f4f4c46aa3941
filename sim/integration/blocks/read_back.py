"""Read-back: fetch an order from the ERP by key, for a notification event that carries keys only.

With ``systems.erp.event_payload: keys`` the ERP's events say *what* changed (the order's
key, a delivery's, a billing document's) but not how it stands: as with S/4HANA
notification events, each consumer reads the object back over the ERP's ``read_order``
API (one ERP call per consumed event, and its latency) before it can act.

A read-back is not lost when the ERP cannot answer: it runs with the ERP orders caller's
retries, then is parked and retried steadily (waiting out an open breaker) until it lands.
Without store and forward it becomes an ``erp_read_failed`` exception whose redo reads the
order again *and* carries on with what the consumer meant to do with it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from sim.engine import CallResult
from sim.integration.adapters import ErpAdapter
from sim.integration.adapters.erp import OrderReading
from sim.integration.blocks.durable_writes import DurableWriter
from sim.integration.messaging import Retrier

__all__ = ["ReadBack", "WithOrder"]

WithOrder = Callable[[OrderReading], Generator[Any, Any, Any]]
"""What a consumer does with the order it read back; its answer is the read-back's."""


class ReadBack:
    """Reads orders back from the ERP by key, durably, and hands them to the consumer."""

    def __init__(
        self,
        erp: ErpAdapter,
        writer: DurableWriter,
        retriers: tuple[Retrier, Retrier],
        timeout_s: float,
    ) -> None:
        self.erp = erp
        self.writer = writer
        self.retrier, self.parking = retriers
        self.timeout_s = timeout_s

    def order(self, order_ref: int, then: WithOrder) -> Generator[Any, Any, Any]:
        """Read the order back, then ``then(order)``; the failure if the read never landed.

        None when the ERP has no such order (nothing to act on).
        """
        reading = yield from self.writer.until_done(
            self.retrier,
            self.parking,
            partial(self.erp.read_order, order_ref, self.timeout_s),
            order_ref,
            "erp_read",
            partial(self._again, order_ref, then),
        )
        if reading is None or isinstance(reading, CallResult):
            return reading
        return (yield from then(reading))

    def _again(self, order_ref: int, then: WithOrder) -> Generator[Any, Any, Any]:
        """A person's redo: read the order again (with retries) and carry on with it."""
        reading = yield from self.retrier.run_call(
            partial(self.erp.read_order, order_ref, self.timeout_s), order_ref
        )
        if reading is None or isinstance(reading, CallResult):
            return reading
        return (yield from then(reading))
