"""Order submission to the ERP: the call, its outcome, and store and forward.

* ``submit`` creates the ERP order through the ERP order caller, with the order's
  correlation id as idempotency key when the pattern sends keys;
* ``submitted`` notes a created order, or raises the ERP's rejection as an exception
  with a way for a person to submit it again;
* ``hold`` keeps an order the ERP could not take (``integration.stored_for_forwarding``),
  and the forwarder sends held orders on, one at a time in arrival order, waiting out an
  open breaker (``integration.forwarded``); if even forwarding gives up, the order
  becomes a ``submission_failed`` exception;
* ``redo`` is the submission as work a person can have done again: keyed (the person
  resubmits through the integration) or not (a person re-keys the order by hand).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from sim.engine import CallResult, Mailbox, RunEnvironment
from sim.integration.adapters import ErpAdapter, Redo
from sim.integration.blocks.callers import Callers
from sim.integration.canonical import Order, SubmissionReceipt

__all__ = ["OrderSubmission"]


class OrderSubmission:
    """Creates ERP orders and holds those the ERP cannot take yet."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        erp: ErpAdapter,
        callers: Callers,
        timeout_s: float,
        idempotency_keys: bool,
        raise_exception: Callable[[int, str, Redo | None], None],
    ) -> None:
        self.run = run
        self.record = record
        self.erp = erp
        self.callers = callers
        self.timeout_s = timeout_s
        self.idempotency_keys = idempotency_keys
        self.raise_exception = raise_exception
        self.held: Mailbox[Order] = Mailbox(run.sim)
        """Orders stored for forwarding, in arrival order."""

    def key(self, order: Order) -> str | None:
        """The idempotency key the pattern sends with ``order`` (None if it sends none)."""
        return order.correlation_id if self.idempotency_keys else None

    def submit(
        self, order: Order, key: str | None
    ) -> Generator[Any, Any, SubmissionReceipt | CallResult]:
        """Create the ERP order with the ERP order caller's retries."""
        return self.callers.erp_orders.run_call(
            partial(self.erp.submit, order, key, self.timeout_s), order.order_ref
        )

    def submitted(self, receipt: SubmissionReceipt, order: Order) -> None:
        """Note a created order, or raise the rejection with a way to submit it again."""
        if receipt.accepted:
            self.record(
                "order_submitted",
                order=receipt.order_ref,
                status="replayed" if receipt.replayed else "new",
            )
        else:
            reason = receipt.reason or "rejected"
            self.raise_exception(receipt.order_ref, reason, self.redo(order, key=True))

    def redo(self, order: Order, key: bool) -> Redo:
        """The ERP submission of ``order`` as work a person can have done again."""

        def submit() -> Generator[Any, Any, Any]:
            receipt = yield from self.submit(order, order.correlation_id if key else None)
            if isinstance(receipt, SubmissionReceipt):
                self.submitted(receipt, order)
            return receipt

        return submit

    def hold(self, order: Order, status: str) -> None:
        """Store an order the ERP could not take, to be forwarded later."""
        self.record("stored_for_forwarding", order=order.order_ref, status=status)
        self.held.put(order)

    def start(self) -> None:
        """Start the forwarder."""
        self.run.sim.process(self._forward_held())

    def _forward_held(self) -> Generator[Any, Any, None]:
        forward = self.callers.forward
        while True:
            order: Order = yield from self.held.take()
            key = self.key(order)
            receipt = yield from forward.run_call(
                partial(self.erp.submit, order, key, self.timeout_s),
                order.order_ref,
            )
            if isinstance(receipt, CallResult):
                self.record("forwarding_failed", order=order.order_ref, status=receipt.status)
                self.raise_exception(
                    order.order_ref, "submission_failed", self.redo(order, key=True)
                )
                continue
            self.record("forwarded", order=order.order_ref)
            self.submitted(receipt, order)
