"""Pattern 2, iPaaS orchestration: per-order flows on a runtime, status by bulk sync.

Every piece of work is a **flow** run by one of ``integration.ipaas.flow_workers`` workers
(a :class:`WorkerPool`, the fault target ``workers:ipaas.flows``); each step costs the
runtime ``flow_overhead_s`` on top of the call it makes. A flow holds its worker while it
waits on a call, so a slow or throttled system backs the runtime up.

Order flow (per accepted quote)::

    validation call to the ERP (credit, price, tax, ATP in one order simulation)
    -> the verdict on the rep's quote
    -> ERP create order with the correlation id as idempotency key

Each call retries with exponential backoff and jitter, paced by a client-side token bucket
sized to the callee's limit (``integration.client_limits``) and honouring ``Retry-After``.
A flow that still fails puts the order in the exception queue for a person; there is no
store and forward and no circuit breaker.

Status comes back by a **scheduled bulk sync**: every ``sync_interval_s`` one flow
extracts every ERP order changed since the last successful sync (its status, a shipment's
milestone or an invoice) and writes what changed to CRM, so CRM is as stale as the
interval. A failed extract is simply tried at the next run from the same point, so
nothing is lost, only late; changes not yet synced count as pending work at the end of a
run. ERP allocations, holds and WMS ship confirmations each start a flow too; when the
ERP's events carry keys only (``systems.erp.event_payload: keys``) the flow reads the order
back from the ERP first (a failed read-back goes to the exception queue).

Master data runs as flows too: a flow per new CRM account (create the business partner,
write its number back) and a flow per ERP price change notification (read the price back,
write it to the CRM price book). A flow that fails leaves its work pending for the sweep
flow every ``integration.master_data.sweep_interval_s``.
Returns: each step is a flow (authorise the case with the case as idempotency key and show
the answer on it, advise the warehouse, post the warehouse's receipt); the cases learn of
receipts and credit memos from a bulk extract of changed returns every ``sync_interval_s``.
nothing is lost, only late. Orders that began in the ERP (EDI orders, new to the CRM) are
taken first in the same flow: the ERP's "orders created since" query (on the change
extract's endpoint, from the last good run) gives each new order whole, and the flow
creates its CRM order record with its status as it is then; the extract's news about an
order not taken yet waits for the next run (``integration.intake_deferred``). Changes not
yet synced count as pending work at the end of a run. ERP allocations, holds and WMS ship
confirmations each start a flow too; when the ERP's events carry keys only
(``systems.erp.event_payload: keys``) the flow reads the order back from the ERP first (a
failed read-back goes to the exception queue).
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Any, ClassVar

from sim.engine import CallResult
from sim.integration.adapters import ReturnsAdapter
from sim.integration.adapters.erp import ErpEvent, keys_only
from sim.integration.blocks import BulkSync, ReturnsFlow, WorkerPool
from sim.integration.canonical import Order, Shipment, ValidationResult
from sim.integration.patterns.base import PatternContext
from sim.integration.patterns.composed import ComposedPattern
from sim.integration.patterns.registry import register_pattern

__all__ = ["IpaasPattern", "FLOW_WORKERS"]

FLOW_WORKERS = "ipaas.flows"
"""The iPaaS runtime's worker pool (fault target ``workers:ipaas.flows``)."""

_FLOW_EVENTS = frozenset({"InventoryAllocated", "OrderHeld"})
"""ERP events that start a flow; other changes wait for the bulk sync."""


def _nothing_more(order_ref: int) -> None:
    """The bulk sync keeps a taken order current; nothing else watches it."""


@register_pattern
class IpaasPattern(ComposedPattern):
    """Orchestrated flows with validation, idempotent submission and bulk sync (pattern 2)."""

    name: ClassVar[str] = "ipaas"
    WORKERS: ClassVar[tuple[str, ...]] = (FLOW_WORKERS,)
    MECHANISMS: ClassVar[frozenset[str]] = frozenset(
        {
            "retry",
            "client_throttle",
            "idempotency_keys",
            "dedupe",
            "resequencing",
            "compensation",
            "order_desk",
            "erp_order_intake",
        }
    )

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        ipaas = self.settings.ipaas
        self.flows = WorkerPool(context.run, FLOW_WORKERS, ipaas.flow_workers)
        self.worker_pools = {FLOW_WORKERS: self.flows}
        self.build_fulfilment()
        erp, timeout = context.erp, self.timeouts.erp_extract_s
        self.bulk_sync = BulkSync(
            self.run,
            self.record,
            lambda since: self.callers.erp_orders.run_call(
                partial(erp.status_changes, since, timeout), -1
            ),
            self.status_sync,
            ipaas.sync_interval_s,
            lambda job: self.flows.submit(partial(self._as_flow, partial(self._intake_then, job))),
        )
        if self.mechanisms.erp_order_intake:
            # news about an order not taken yet waits for the next run's intake, which
            # writes the order's status as it is then
            self.status_sync.on_unknown = self._not_taken_yet

    def _intake_then(self, job: Any) -> Generator[Any, Any, None]:
        """The scheduled sync flow: new ERP-originated orders into CRM, then the status sync."""
        if self.mechanisms.erp_order_intake:
            yield from self.intake.take_created(_nothing_more)
        yield from job()

    def _not_taken_yet(self, order_ref: int) -> Generator[Any, Any, bool]:
        self.record("intake_deferred", order=order_ref)
        yield self.sim.timeout(0)
        return False

    def in_flight(self) -> tuple[int, int]:
        """(flows queued or running, parked writes plus ERP changes not yet synced to CRM)."""
        unsynced = self.context.erp.unsynced_changes(self.bulk_sync.synced_to)
        returns = self.context.returns
        if self.returns is not None and returns is not None:
            unsynced += returns.unsynced(self.returns.synced_to)
        parked = self.writer.parked + self.returns_parked()
        return self.flows.queued + self.flows.busy, parked + unsynced
        if self.mechanisms.erp_order_intake:
            unsynced += self.intake.pending()
        return self.flows.queued + self.flows.busy, self.writer.parked + unsynced

    def start(self) -> None:
        """Start the runtime, hook the triggers and schedule the bulk sync."""
        ctx = self.context
        self.flows.start()
        ctx.crm.deliver_accepted_orders(self._order_flow)
        ctx.erp.deliver_events(self._erp_change_flow, _FLOW_EVENTS)
        self.start_common()
        self.bulk_sync.start()
        md = self.master_data
        md.listen_accounts(lambda customer: self._flow(partial(md.replicate, customer)))
        md.listen_prices(lambda sku: self._flow(partial(md.sync_prices, (sku,))))
        md.schedule(self.settings.master_data.sweep_interval_s, md.resend_pending, self._flow)

    def _flow(self, job: Any) -> None:
        """Run ``job`` as a flow on the runtime."""
        self.flows.submit(partial(self._as_flow, job))

    def start_returns(self, flow: ReturnsFlow, adapter: ReturnsAdapter) -> None:
        """Each returns step is a flow; the cases learn of receipts and credits by bulk sync."""
        submit = self.flows.submit
        adapter.deliver_cases(
            lambda ret: submit(partial(self._as_flow, partial(flow.authorise, ret, True)))
        )
        adapter.deliver_events(
            lambda event: (
                submit(partial(self._as_flow, partial(flow.advise, event)))
                if event.type == "ReturnAuthorized"
                else None
            )
        )
        adapter.deliver_receipts(
            lambda receipt: submit(partial(self._as_flow, partial(flow.post_receipt, receipt)))
        )
        self.sim.process(flow.sync_bulk(self.settings.ipaas.sync_interval_s))

    def _step(self) -> Any:
        """The runtime's own time for one flow step."""
        return self.sim.timeout(self.settings.ipaas.flow_overhead_s)

    def _relay_shipment(self, shipment: Shipment) -> None:
        """A confirmed shipment starts a shipping flow."""
        self.flows.submit(partial(self._ship_flow, shipment))

    def _ship_flow(self, shipment: Shipment) -> Generator[Any, Any, None]:
        yield self._step()
        yield from self.fulfilment.ship(shipment)

    # ------------------------------------------------------------ the order flow
    def _order_flow(self, order: Order) -> None:
        self.receive(order)
        self.flows.submit(partial(self._run_order_flow, order))

    def _run_order_flow(self, order: Order) -> Generator[Any, Any, None]:
        ref = order.order_ref
        erp = self.context.erp
        yield self._step()
        verdict = yield from self.callers.erp_orders.run_call(
            partial(erp.validate, order, self.timeouts.erp_validate_s), ref
        )
        submission = self.submission
        if not isinstance(verdict, ValidationResult):
            self.record("validated", order=ref, status=verdict.status)
            self.exception_desk.raise_exception(
                ref, "submission_failed", submission.redo(order, key=True)
            )
            return
        self.record("validated", order=ref, status="ok" if verdict.ok else verdict.reasons[0])
        yield self._step()
        yield from self.show_verdict(verdict)
        if "master_data_conflict" in verdict.reasons:
            self.exception_desk.raise_exception(
                ref, "master_data_conflict", submission.redo(order, key=True)
            )
            return
        yield self._step()
        receipt = yield from submission.submit(order, submission.key(order))
        if isinstance(receipt, CallResult):
            self.exception_desk.raise_exception(
                ref, "submission_failed", submission.redo(order, key=True)
            )
            return
        submission.submitted(receipt, order)

    # ------------------------------------------------------------ ERP outbound
    def _erp_change_flow(self, event: ErpEvent) -> None:
        """An allocation or a hold starts a flow."""
        self.flows.submit(partial(self._run_erp_change, event))

    def _run_erp_change(self, event: ErpEvent) -> Generator[Any, Any, None]:
        yield self._step()
        ref, envelope = event
        if envelope.schema_version != "1.0":
            # the flow's mapping cannot read the new contract: an error for a person
            self.exception_desk.raise_exception(ref, "dead_letter")
            return
        payload = envelope.payload
        if keys_only(envelope):  # a notification: read the order back first
            yield from self.act_by_key(ref, envelope.type, str(payload.get("delivery", "")))
            return
        if envelope.type == "OrderHeld":
            self.exception_desk.raise_exception(ref, str(payload["reason"]))
            return
        lines = tuple((int(n), str(m), int(q)) for n, m, q in payload["items"])
        yield from self.fulfilment.release(
            ref, str(payload["delivery"]), str(payload["plant"]), lines
        )

    def _as_flow(self, job: Any) -> Generator[Any, Any, None]:
        """Run ``job`` as a flow: one step of the runtime's own, then the job."""
        yield self._step()
        yield from job()
