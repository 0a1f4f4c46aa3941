"""The exception desk: exceptions go to people, and their decisions come back into the flow.

An exception is raised with a business reason and what a person needs to act on it. If the
order desk is in use it becomes a work item; when a person resolves it, the decision is
carried out:

* **held in the ERP** (``pricing_mismatch``, ``tax_configuration``): release the hold, or
  cancel. Cancelling is a compensation: the ERP order is cancelled and its reservations are
  released; without compensation only CRM is told, and the ERP order stays held.
* **never created** (``master_data_conflict``, ``manual_rekey``, ``submission_failed``):
  key the order in again (``resubmit``), or cancel it and tell CRM, after looking it up
  in the ERP: a resubmission whose answers were lost may have created it after all.
* **a write that failed** (``<what>_failed``): do it again; **a dead letter**: have the
  producer re-send it, or read the order back from the ERP and write its status to CRM;
* **an EDI order's IDoc in error** (``idoc_master_data_conflict``,
  ``idoc_pricing_mismatch``): correct it and post it again (the redo), or reject it: the
  IDoc is closed (no further processing) and the order is cancelled before it existed.

Work done again carries its own retries; if it still fails, the item goes back into the
queue rather than being counted as resolved.

Every resolution is a manual touch (a ``desk.item_resolved`` row of the desk).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters import Decision, DeskAdapter, ErpAdapter, Redo
from sim.integration.messaging import Retrier

__all__ = ["ExceptionDesk", "HELD_IN_ERP", "IDOC_ERRORS", "NOT_CREATED"]

HELD_IN_ERP = frozenset({"pricing_mismatch", "tax_configuration", "contract_terms"})
NOT_CREATED = frozenset({"master_data_conflict", "manual_rekey", "submission_failed"})
IDOC_ERRORS = frozenset({"idoc_master_data_conflict", "idoc_pricing_mismatch"})
"""An EDI order's IDoc failed the ERP's application checks (status 51): no order yet."""


class ExceptionDesk:
    """Routes exceptions to the order desk and carries out its resolutions."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        desk: DeskAdapter | None,
        erp: ErpAdapter,
        retrier: Retrier,
        compensation: bool,
        erp_timeout_s: float,
        tell_crm_cancelled: Callable[[int, str], Generator[Any, Any, Any]],
        reconcile_order: Callable[[int], Generator[Any, Any, bool]],
    ) -> None:
        self.run = run
        self.record = record
        self.desk = desk
        self.erp = erp
        self.retrier = retrier
        self.compensation = compensation
        self.erp_timeout_s = erp_timeout_s
        self.tell_crm_cancelled = tell_crm_cancelled
        self.reconcile_order = reconcile_order
        self.open: dict[int, str] = {}
        """Orders in a named exception state now, with their reason."""

    def start(self) -> None:
        """Take the desk's resolutions as they come."""
        if self.desk is not None:
            self.desk.on_decision(self._on_decision)

    def raise_exception(self, order_ref: int, reason: str, redo: Redo | None = None) -> None:
        """Put an order in a named exception state and, with a desk, in a person's queue."""
        self.open[order_ref] = reason
        self.record("exception_raised", order=order_ref, status=reason)
        if self.desk is not None:
            self.desk.raise_item(order_ref, reason, redo)

    def _on_decision(self, decision: Decision) -> None:
        self.run.sim.process(self._carry_out(decision))

    def _carry_out(self, decision: Decision) -> Generator[Any, Any, None]:
        ref, reason, outcome, redo = decision
        self.open.pop(ref, None)
        if outcome == "cancel":
            decided = yield from self._cancel(ref, reason, redo)
            if not decided:
                return
        elif reason in HELD_IN_ERP:
            yield from self._call(lambda: self.erp.release_hold(ref, self.erp_timeout_s), ref)
        elif redo is not None:
            # the redo carries its own retries (it knows which system it calls)
            self.record("resubmitted", order=ref, status=reason)
            answer = yield from redo()
            if isinstance(answer, CallResult) and not answer.ok:
                self.record("resolution_failed", order=ref, status=answer.status)
                self.raise_exception(ref, reason, redo)  # back in the queue: try again later
                return
        else:
            yield from self.reconcile_order(ref)
        self.record("exception_resolved", order=ref, status=outcome)

    def _cancel(self, ref: int, reason: str, redo: Redo | None) -> Generator[Any, Any, bool]:
        """Cancel an order: in the ERP too when it has one (compensation), else only in CRM.

        An order "never created" may exist after all: a resubmission whose answers were all
        lost can have committed. The person looks the order up in the ERP first and, when
        it is there, cancels it there; otherwise the ERP would ship an order that CRM shows
        as cancelled (found by the random fault timelines, tests/properties). False when
        the lookup failed: the item goes back into the queue.
        """
        if reason in IDOC_ERRORS:
            closed = yield from self._call(
                lambda: self.erp.close_idoc(ref, self.erp_timeout_s), ref
            )
            if isinstance(closed, CallResult):
                self.raise_exception(ref, reason, redo)
                return False
            self.record("order_cancelled", order=ref, status=reason)
            return True  # the CRM never knew the order: nothing to tell it
        in_erp = reason not in NOT_CREATED
        if not in_erp:
            found = yield from self._call(
                lambda: self.erp.read_status(ref, self.erp_timeout_s), ref
            )
            if isinstance(found, CallResult):
                self.raise_exception(ref, reason, redo)
                return False
            in_erp = found is not None
        if in_erp and self.compensation:
            cancelled = yield from self._call(
                lambda: self.erp.cancel_order(ref, reason, self.erp_timeout_s), ref
            )
            if cancelled is True:
                self.record("compensated", order=ref, status=reason)
                self.record("order_cancelled", order=ref, status=reason)
                return True  # CRM learns of it from the ERP's OrderCancelled event
            self.record("compensation_refused", order=ref, status=reason)
            return True
        yield from self.tell_crm_cancelled(ref, reason)
        self.record("order_cancelled", order=ref, status=reason)
        return True

    def _call(self, operation: Redo, ref: int) -> Generator[Any, Any, Any]:
        answer = yield from self.retrier.run_call(operation, ref)
        if isinstance(answer, CallResult) and not answer.ok:
            self.record("resolution_failed", order=ref, status=answer.status)
        return answer
