"""The returns flow every pattern shares: case -> RMA -> WMS advice -> receipt -> CRM.

The steps, each a call through the pattern's callers (retries, breakers, buckets):

* :meth:`ReturnsFlow.authorise`: a return case becomes an ERP return order, with the case as
  idempotency key when the pattern has ``idempotency_keys`` (without one, a lost answer
  followed by a retry authorises the return twice). A synchronous pattern writes the
  answer (the RMA, or the refusal) straight to the case; an asynchronous one writes only a
  refusal and lets the ``ReturnAuthorized`` event carry the rest.
* :meth:`ReturnsFlow.advise`: an authorised return to the warehouse (a return advice).
* :meth:`ReturnsFlow.post_receipt`: the warehouse's receipt to the ERP, which books stock and
  posts the credit memo.
* :meth:`ReturnsFlow.show`: a return's news to its CRM case, only forward (with
  ``resequencing``: a status not beyond the one already written is discarded as stale).

How the news reaches the CRM is the pattern's transport: :meth:`ReturnsFlow.poll_each`
(a status query per open return every interval, as direct polling does),
:meth:`ReturnsFlow.sync_bulk` (one extract of changed returns every interval, as an iPaaS
bulk sync does) or the ERP's returns events on a bus, handed to :meth:`ReturnsFlow.show`.

A call that still fails after the retries is parked and retried steadily when the pattern
has ``store_and_forward``; otherwise (or if parking fails too) it is given up with a
``return_failed`` row naming the step: returns do not go to the order desk, whose
decisions act on orders.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters.returns import ReturnsAdapter, return_key
from sim.integration.blocks.callers import Callers
from sim.integration.canonical import (
    RETURN_RANK,
    Envelope,
    Return,
    ReturnNews,
    ReturnReceived,
    ReturnStatus,
)
from sim.integration.messaging import Outcome, Retrier
from sim.integration.settings import CallTimeouts

__all__ = ["ReturnsFlow"]

_Recorder = Callable[..., None]


class ReturnsFlow:
    """The returns steps, shared by every pattern; the pattern picks the transports."""

    def __init__(
        self,
        run: RunEnvironment,
        record: _Recorder,
        adapter: ReturnsAdapter,
        callers: Callers,
        timeouts: CallTimeouts,
        idempotency: bool,
        store_and_forward: bool,
        only_forward: bool,
    ) -> None:
        self.run = run
        self.sim = run.sim
        self.record = record
        self.adapter = adapter
        self.callers = callers
        self.timeouts = timeouts
        self.idempotency = idempotency
        self.store_and_forward = store_and_forward
        self.only_forward = only_forward
        self.open: dict[int, str] = {}
        """Returns authorised and not yet credited, as far as the integration knows: RMA."""
        self.synced_to = 0.0
        """Bulk sync: returns changed from this time on are not synced yet."""
        self._shown: dict[int, int] = {}
        self.parked = 0

    # ------------------------------------------------------------ calls that land
    def _until_done(
        self,
        retrier: Retrier,
        parking: Retrier,
        operation: Callable[[], Generator[Any, Any, Any]],
        ref: int,
        what: str,
    ) -> Generator[Any, Any, Any]:
        answer = yield from retrier.run_call(operation, ref)
        if not isinstance(answer, CallResult) or answer.ok:
            return answer
        if self.store_and_forward:
            self.record("parked", order=ref, status=what)
            self.parked += 1
            answer = yield from parking.run_call(operation, ref)
            self.parked -= 1
            if not isinstance(answer, CallResult) or answer.ok:
                self.record("unparked", order=ref, status=what)
                return answer
        self.record("return_failed", order=ref, status=what)
        return answer

    # ------------------------------------------------------------ the steps
    def authorise(self, ret: Return, tell_crm: bool) -> Generator[Any, Any, Outcome]:
        """Create the return order until it lands; tell the case (refusals always)."""
        ref = ret.order_ref
        self.record("return_requested", order=ref, status=ret.reason)
        key = return_key(ret) if self.idempotency else None
        callers = self.callers
        news = yield from self._until_done(
            callers.erp_orders,
            callers.forward,
            partial(self.adapter.authorise, ret, key, self.timeouts.erp_create_s),
            ref,
            "return_order",
        )
        if not isinstance(news, ReturnNews):
            return Outcome.FAILED
        if news.status is ReturnStatus.AUTHORIZED:
            self.open[news.return_ref] = news.rma
        if tell_crm or news.status is ReturnStatus.REFUSED:
            yield from self.show(news)
        return Outcome.APPLIED

    def advise(self, authorized: Envelope) -> Generator[Any, Any, Outcome]:
        """Send an authorised return (a ``ReturnAuthorized`` event) to the warehouse."""
        callers = self.callers
        ref = int(authorized.payload["order_ref"])
        answer = yield from self._until_done(
            callers.wms,
            callers.parked,
            partial(self.adapter.advise, authorized, self.timeouts.wms_release_s),
            ref,
            "return_advice",
        )
        return Outcome.FAILED if isinstance(answer, CallResult) else Outcome.APPLIED

    def post_receipt(self, receipt: ReturnReceived) -> Generator[Any, Any, Outcome]:
        """Post the warehouse's receipt to the ERP (which posts the credit memo)."""
        callers = self.callers
        answer = yield from self._until_done(
            callers.erp_deliveries,
            callers.parked_deliveries,
            partial(self.adapter.post_receipt, receipt, self.timeouts.erp_delivery_s),
            receipt.order_ref,
            "return_receipt",
        )
        return Outcome.FAILED if isinstance(answer, CallResult) else Outcome.APPLIED

    def show(self, news: ReturnNews) -> Generator[Any, Any, Outcome]:
        """Write a return's news to its case, only forward with ``only_forward``."""
        case, rank = news.return_ref, RETURN_RANK[news.status]
        if self.only_forward and rank <= self._shown.get(case, -1):
            return Outcome.STALE
        self._shown[case] = max(rank, self._shown.get(case, -1))
        if news.status is ReturnStatus.CREDITED:
            self.open.pop(case, None)
        elif news.rma:
            self.open.setdefault(case, news.rma)
        callers = self.callers
        answer = yield from self._until_done(
            callers.crm,
            callers.parked,
            partial(self.adapter.update_case, news, self.timeouts.crm_write_s),
            news.order_ref,
            "crm_case",
        )
        return Outcome.FAILED if isinstance(answer, CallResult) else Outcome.APPLIED

    # ------------------------------------------------------------ status transports
    def poll_each(self, interval_s: float) -> Generator[Any, Any, None]:
        """Every ``interval_s``: a status query per open return, the news to its case."""
        callers, adapter, timeout = self.callers, self.adapter, self.timeouts.erp_extract_s
        while True:
            yield self.sim.timeout(interval_s)
            for case, rma in sorted(self.open.items()):
                news = yield from callers.erp_orders.run_call(
                    partial(adapter.read_return, rma, timeout), case
                )
                if isinstance(news, ReturnNews):
                    yield from self.show(news)

    def sync_bulk(self, interval_s: float) -> Generator[Any, Any, None]:
        """Every ``interval_s``: one extract of the returns changed since the last sync."""
        callers, adapter, timeout = self.callers, self.adapter, self.timeouts.erp_extract_s
        while True:
            yield self.sim.timeout(interval_s)
            answer = yield from callers.erp_orders.run_call(
                partial(adapter.return_changes, self.synced_to, timeout), -1
            )
            if isinstance(answer, CallResult):
                continue  # tried again at the next run, from the same point
            at, changes = answer
            for news in changes:
                yield from self.show(news)
            self.synced_to = at

    def pending(self) -> int:
        """Return steps parked for a later retry, plus changes a bulk sync has not synced."""
        return self.parked
