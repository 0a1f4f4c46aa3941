"""Customer amendments: changes and cancellations of accepted orders, taken to the ERP.

The CRM records a customer's amendment (a rep's change, a web-shop cancellation, an EDI
860 until EDI orders enter the ERP directly) and the integration takes it to the ERP's
order maintenance API with the ERP order caller's retries:

* a **change** sets one line's quantity (``erp.change_order``); the ERP applies it only to
  the open quantity, or refuses it;
* a **cancellation** cancels the order (``erp.cancel_order``, reason
  ``customer_cancelled``); the ERP refuses it once a delivery exists.

The CRM learns the outcome from the ERP's events or status, as for any other change.
Rows: ``integration.amendment_received`` (status = kind), then ``amendment_applied``,
``amendment_refused`` or ``amendment_failed`` (status = the call's failure).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters import ErpAdapter
from sim.integration.canonical import AmendmentKind, OrderAmendment
from sim.integration.messaging import Retrier

__all__ = ["CUSTOMER_CANCELLED", "OrderAmendments"]

CUSTOMER_CANCELLED = "customer_cancelled"
"""The reason of a cancellation the customer asked for."""


class OrderAmendments:
    """Takes each customer amendment to the ERP's order maintenance."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        erp: ErpAdapter,
        retrier: Retrier,
        timeout_s: float,
    ) -> None:
        self.run = run
        self.record = record
        self.erp = erp
        self.retrier = retrier
        self.timeout_s = timeout_s

    def accept(self, amendment: OrderAmendment) -> None:
        """Take one amendment on (a push consumer: starts a process, never waits)."""
        self.record("amendment_received", order=amendment.order_ref, status=amendment.kind.value)
        self.run.sim.process(self._apply(amendment))

    def _apply(self, amendment: OrderAmendment) -> Generator[Any, Any, None]:
        ref = amendment.order_ref
        if amendment.kind is AmendmentKind.CANCEL:
            answer = yield from self.retrier.run_call(
                lambda: self.erp.cancel_order(ref, CUSTOMER_CANCELLED, self.timeout_s), ref
            )
        else:
            answer = yield from self.retrier.run_call(
                lambda: self.erp.change_order(
                    ref, amendment.line_no, amendment.quantity, self.timeout_s
                ),
                ref,
            )
        if isinstance(answer, CallResult):
            self.record("amendment_failed", order=ref, status=answer.status)
        elif answer is True:
            self.record("amendment_applied", order=ref, status=amendment.kind.value)
        else:
            self.record("amendment_refused", order=ref, status=amendment.kind.value)
