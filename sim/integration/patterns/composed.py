"""What every pattern shares: the building blocks, wired the same way.

A pattern composes blocks (``sim/integration/blocks``) and adds its transports. This base
builds the blocks each of the four patterns uses in the same way, so two patterns differ
in code exactly where their mechanics differ:

* the **callers** (retriers, breakers, token buckets) from the pattern's own retry policy
  and the mechanisms it has;
* **durable writes**, the **exception desk**, **order submission**, the **CRM status
  sync**, the **ERP read-back** (for notification events that carry keys only), the
  **fulfilment handoffs**, the **scan relay**, the **master-data sync** (accounts to
  business partners, list prices to the CRM price book; each pattern picks its transport),
  the **ERP order intake** (the CRM order record of an order that began in the ERP,
  created before any news about it is written; how a pattern first learns of such an order
  is its own: an event, an extract, a poll) and customer **amendments** (changes and
  cancellations taken to the ERP's order maintenance).

EDI orders whose IDoc fails the ERP's application checks reach every pattern the same way,
from the ERP's IDoc monitor, as an ``idoc_<reason>`` exception for the order desk, whose
redo posts the corrected IDoc again.

**Which mechanisms a pattern has** is part of its design: :attr:`ComposedPattern.MECHANISMS`
names them, and a scenario's ``integration.mechanisms`` switch can turn one of them off
but never gives a pattern a mechanism its design lacks (direct integration sends no
idempotency key, whatever the switch says). The effective switches are
:attr:`ComposedPattern.mechanisms`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any, ClassVar

from sim.engine import CallResult
from sim.integration.adapters import ReturnsAdapter
from sim.integration.adapters.erp import OrderReading
from sim.integration.blocks import (
    Callers,
    CrmStatusSync,
    Delivered,
    DurableWriter,
    ErpOrderIntake,
    ExceptionDesk,
    Fulfilment,
    MasterDataSync,
    OrderAmendments,
    OrderSubmission,
    ReadBack,
    ReturnsFlow,
    ScanRelay,
    Tendered,
    news_from_reading,
)
from sim.integration.canonical import (
    Envelope,
    Order,
    OrderStatus,
    Shipment,
    ValidationResult,
)
from sim.integration.messaging import Outcome
from sim.integration.patterns.base import IntegrationPattern, PatternContext
from sim.integration.settings import IntegrationSettings, Mechanisms

__all__ = ["ComposedPattern", "ALL_MECHANISMS"]

ALL_MECHANISMS: frozenset[str] = frozenset(Mechanisms.model_fields)
"""Every mechanism switch there is."""

_REVIEWED_HOLDS = frozenset({"credit_hold"})
"""Holds the ERP's own credit management reviews: no exception for a person."""


class ComposedPattern(IntegrationPattern):
    """An integration pattern built from the shared blocks; subclasses add transports."""

    MECHANISMS: ClassVar[frozenset[str]] = ALL_MECHANISMS
    """The resilience mechanisms this pattern's design has."""
    DURABLE_MASTER_DATA: ClassVar[bool] = False
    """Whether master-data work is retried until it lands (else left for a later run)."""

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        settings = self.settings = self.tuned(context.settings)
        run = context.run
        mechanisms = self.mechanisms = settings.mechanisms
        timeouts = self.timeouts = settings.timeouts
        callers = self.callers = Callers.build(run, settings)
        self.exception_desk = ExceptionDesk(
            run,
            self.record,
            context.desk if mechanisms.order_desk else None,
            context.erp,
            callers.erp_orders,
            mechanisms.compensation,
            timeouts.erp_create_s,
            self._tell_crm_cancelled,
            self._reconcile_order,
        )
        raise_exception = self.exception_desk.raise_exception
        self.submission = OrderSubmission(
            run,
            self.record,
            context.erp,
            callers,
            timeouts.erp_create_s,
            mechanisms.idempotency_keys,
            raise_exception,
        )
        self.writer = DurableWriter(self.record, mechanisms.store_and_forward, raise_exception)
        self.status_sync = CrmStatusSync(
            self.record,
            context.crm,
            context.erp,
            self.writer,
            (callers.crm, callers.parked),
            timeouts.crm_write_s,
            mechanisms.resequencing,
        )
        self.amendments = OrderAmendments(
            run, self.record, context.erp, callers.erp_orders, timeouts.erp_create_s
        )
        self.read_back = ReadBack(
            context.erp,
            self.writer,
            (callers.erp_orders, callers.parked_reads),
            timeouts.erp_read_s,
        )
        self.master_data = MasterDataSync(
            run, self.record, context.crm, context.erp, settings, self.DURABLE_MASTER_DATA
        )

        self.returns: ReturnsFlow | None = None
        """The returns flow, in a world with returns."""
        if context.returns is not None:
            self.returns = ReturnsFlow(
                run,
                self.record,
                context.returns,
                callers,
                timeouts,
                mechanisms.idempotency_keys,
                mechanisms.store_and_forward,
                mechanisms.resequencing,
            )

    @classmethod
    def tuned(cls, settings: IntegrationSettings) -> IntegrationSettings:
        """``settings`` with the mechanisms this pattern's design lacks switched off."""
        switches = settings.mechanisms.model_dump()
        lacking = {name: False for name in switches if name not in cls.MECHANISMS}
        if not lacking:
            return settings
        mechanisms = settings.mechanisms.model_copy(update=lacking)
        return settings.model_copy(update={"mechanisms": mechanisms})

    def build_fulfilment(
        self, tendered: Tendered | None = None, delivered: Delivered | None = None
    ) -> None:
        """The fulfilment handoffs and the scan relay (told of tenders and deliveries)."""
        context, callers, mechanisms = self.context, self.callers, self.mechanisms
        self.scans = ScanRelay(
            self.run,
            self.record,
            context.erp,
            self.writer,
            (callers.erp_deliveries, callers.parked_deliveries),
            self.settings.scan_workers,
            self.timeouts.erp_delivery_s,
            mechanisms.dedupe,
            mechanisms.resequencing,
            delivered or _not_watching_deliveries,
        )
        self.fulfilment = Fulfilment(
            context.erp,
            context.wms,
            context.carrier,
            self.writer,
            callers,
            self.timeouts,
            tendered or _not_watching_tenders,
        )
        self.intake = ErpOrderIntake(
            self.run,
            self.record,
            context.crm,
            context.erp,
            self.writer,
            (callers.crm, callers.parked, callers.erp_orders),
            self.read_back,
            self.status_sync,
            self.fulfilment.regions,
            (self.timeouts.crm_write_s, self.timeouts.erp_extract_s),
        )
        if mechanisms.erp_order_intake:
            self.status_sync.on_unknown = self.intake.by_key

    def start_common(self) -> None:
        """Start what every pattern runs: shipping, scans, forwarding and the desk."""
        ctx = self.context
        ctx.wms.deliver_shipments(self._relay_shipment, self.fulfilment.region_of)
        ctx.carrier.deliver_scans(self.scans.accept)
        ctx.erp.deliver_idoc_errors(self._idoc_error)
        ctx.crm.deliver_amendments(self.amendments.accept)
        self.submission.start()
        self.exception_desk.start()
        if self.returns is not None and ctx.returns is not None:
            self.start_returns(self.returns, ctx.returns)

    def start_returns(self, flow: ReturnsFlow, adapter: ReturnsAdapter) -> None:
        """Returns point to point: the default every pattern adapts.

        Each case is authorised at once and the answer shown on the case; authorisations go
        to the warehouse and receipts to the ERP as they come. A pattern adds how the case
        learns of receipts and credits (or replaces it all).
        """
        adapter.deliver_cases(lambda ret: self._process(flow.authorise(ret, True)))
        adapter.deliver_events(partial(self._route_return, flow))
        adapter.deliver_receipts(lambda receipt: self._process(flow.post_receipt(receipt)))

    def _process(self, work: Generator[Any, Any, Any]) -> None:
        self.sim.process(work)

    def _route_return(self, flow: ReturnsFlow, event: Envelope) -> None:
        """An authorised return goes to the warehouse; other returns events wait for status."""
        if event.type == "ReturnAuthorized":
            self.sim.process(flow.advise(event))

    def spawn(self, job: Callable[[], Generator[Any, Any, Any]]) -> None:
        """Run ``job`` as a process of its own."""
        self.sim.process(job())

    def in_flight(self) -> tuple[int, int]:
        """(messages in flight, orders and writes held for a later retry)."""
        return 0, len(self.submission.held) + self.writer.parked + self.returns_parked()

    def forget_order(self, order_ref: int, deliveries: tuple[str, ...]) -> None:
        """Forget an archived order: CRM record, region, versions shown, scans taken."""
        super().forget_order(order_ref, deliveries)
        self.fulfilment.forget_order(order_ref)
        self.status_sync.forget_order(order_ref, deliveries)
        self.scans.forget_order(order_ref, deliveries)

    def returns_parked(self) -> int:
        """Returns steps held for a later retry (0 in a world without returns)."""
        return 0 if self.returns is None else self.returns.pending()

    @property
    def exceptions(self) -> dict[int, str]:
        """Orders in a named exception state now, with their reason."""
        return self.exception_desk.open

    # ------------------------------------------------------------ shared steps
    def receive(self, order: Order) -> None:
        """Note an accepted order on arrival: its delivery region, and a history row."""
        self.fulfilment.regions[order.order_ref] = order.region
        self.record("order_received", order=order.order_ref, status=order.channel.value)

    def show_verdict(self, verdict: ValidationResult) -> Generator[Any, Any, None]:
        """Put a validation verdict on the rep's quote (a durable write).

        Only a quote has a rep waiting for it: a web-shop order has none.
        """
        if not self.context.crm.awaits_verdict(verdict.order_ref):
            return
        yield from self.writer.until_done(
            self.callers.crm,
            self.callers.parked,
            partial(self.context.crm.show_validation, verdict, self.timeouts.crm_write_s),
            verdict.order_ref,
            "crm_validation",
        )

    def _idoc_error(self, order_ref: int, reason: str) -> None:
        """An EDI order's IDoc in error: an exception whose redo posts it again, corrected."""
        erp, timeout = self.context.erp, self.timeouts.erp_create_s

        def reprocess() -> Generator[Any, Any, Any]:
            answer = yield from self.callers.erp_orders.run_call(
                partial(erp.reprocess_idoc, order_ref, timeout), order_ref
            )
            return answer

        self.exception_desk.raise_exception(order_ref, f"idoc_{reason}", reprocess)

    def _tell_crm_cancelled(self, order_ref: int, reason: str) -> Generator[Any, Any, Any]:
        """Show an order as cancelled in CRM (for orders the ERP never had, or kept)."""
        if not self.context.crm.has_record(order_ref):
            return None  # the CRM never knew the order (it began in the ERP)
        answer = yield from self.writer.until_done(
            self.callers.crm,
            self.callers.parked,
            partial(
                self.context.crm.update_status,
                order_ref,
                status=OrderStatus.CANCELLED,
                source_time=self.sim.now,
                timeout=self.timeouts.crm_write_s,
            ),
            order_ref,
            "crm_status",
        )
        return answer

    def _reconcile_order(self, order_ref: int) -> Generator[Any, Any, bool]:
        """A person's fix: read the order back from the ERP and write its status to CRM."""
        erp = self.context.erp
        reading = yield from self.callers.erp_orders.run_call(
            partial(erp.read_status, order_ref, self.timeouts.erp_extract_s), order_ref
        )
        if reading is None or isinstance(reading, CallResult):
            return False
        outcome = yield from self.status_sync.apply(news_from_reading(reading))
        return outcome is not Outcome.FAILED

    def act_by_key(self, order_ref: int, event: str, delivery: str) -> Generator[Any, Any, bool]:
        """Act on an allocation or a hold the ERP notified by key (a notification event).

        The order is read back, then the delivery released to the warehouse or the hold's
        exception raised. True once done; False if the read-back or the release did not
        land (a failed read-back is parked or raised as an exception, never dropped).
        """
        done = yield from self.read_back.order(
            order_ref, partial(self._act_on_order, event, delivery)
        )
        return done is True

    def _act_on_order(
        self, event: str, delivery: str, order: OrderReading
    ) -> Generator[Any, Any, bool]:
        ref = order.status.order_ref
        if event == "OrderHeld":
            reason = order.hold_reason
            if reason and reason not in _REVIEWED_HOLDS:  # still held (not yet released)
                self.exception_desk.raise_exception(ref, reason)
            return True
        allocated = order.delivery(delivery)
        if allocated is None:
            return False
        released: bool = yield from self.fulfilment.release(
            ref, delivery, allocated.plant, allocated.lines
        )
        return released

    def _relay_shipment(self, shipment: Shipment) -> None:
        """Each confirmed shipment starts its own shipping process."""
        self.sim.process(self.fulfilment.ship(shipment))


def _not_watching_tenders(shipment_id: str, tracking: str, order_ref: int) -> None:
    """Nobody watches tendered shipments (no tracking poll)."""


def _not_watching_deliveries(shipment_id: str) -> None:
    """Nobody watches for delivered shipments (no tracking poll)."""
