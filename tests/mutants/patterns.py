"""Code-level mutants of the integration core, as user patterns (``tests.mutants.patterns:...``).

A mutant is a deliberately broken variant that the oracle must catch. It is built only
through a pattern's seams: a subclass, named by import path, that overrides the handlers
it subscribes to the bus; the product code carries no mutant switches.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, ClassVar

from sim.integration.blocks import ExceptionDesk
from sim.integration.blocks.exception_desk import NOT_CREATED
from sim.integration.canonical import Envelope
from sim.integration.messaging import Handler, Outcome
from sim.integration.patterns import EventBusPattern, HybridPattern
from sim.integration.patterns.base import PatternContext
from sim.integration.patterns.composed import ComposedPattern


def acknowledged_before_commit(handler: Handler) -> Handler:
    """A consumer that acknowledges each copy before its handling has committed.

    The broker takes the acknowledgement as the copy's outcome, so whatever then goes
    wrong while handling it (a malformed payload, an unknown schema, a write that did not
    land) is never dead-lettered nor redelivered: the message is lost. Copies are still
    handled one at a time, so only the acknowledgement differs from the real consumer.
    """

    def consume(envelope: Envelope) -> Generator[Any, Any, Outcome]:
        outcome = yield from handler(envelope)
        return outcome if outcome.discarded else Outcome.APPLIED

    return consume


class AckBeforeCommitEventBus(EventBusPattern):
    """The event-bus pattern whose three subscribers acknowledge before they commit.

    Each handler the pattern subscribes (the order mapper, the CRM status sync and the
    fulfilment router) is wrapped by :func:`acknowledged_before_commit`.
    """

    name: ClassVar[str] = "mutant_ack_before_commit_event_bus"

    def _map_and_submit(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        handle = acknowledged_before_commit(super()._map_and_submit)
        return (yield from handle(message))

    def _sync_crm(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        handle = acknowledged_before_commit(super()._sync_crm)
        return (yield from handle(message))

    def _route_fulfilment(self, message: Envelope) -> Generator[Any, Any, Outcome]:
        handle = acknowledged_before_commit(super()._route_fulfilment)
        return (yield from handle(message))


class DeskFixStraightToCrmEventBus(EventBusPattern):
    """The event-bus pattern as it was: a person's fix written straight to CRM.

    The fix bypasses the order's partition, so a fix parked behind a CRM outage can land
    after newer news the events wrote meanwhile (tests/patterns/test_desk_fix_ordering.py).
    """

    name: ClassVar[str] = "mutant_desk_fix_straight_to_crm_event_bus"

    def _reconcile_order(self, order_ref: int) -> Generator[Any, Any, bool]:
        landed: bool = yield from ComposedPattern._reconcile_order(self, order_ref)
        return landed


class DeskCancelsWithoutLookup(ExceptionDesk):
    """The order desk as it was: "never created" taken at its word, only CRM told.

    A cancel for a reason in :data:`NOT_CREATED` skips the look-up in the ERP, so an order
    a resubmission created with every answer lost is cancelled in CRM while the ERP ships
    it (tests/patterns/test_desk_cancel_lookup.py).
    """

    def _cancel(self, ref: int, reason: str, redo: Any) -> Generator[Any, Any, bool]:
        if reason not in NOT_CREATED:
            decided: bool = yield from super()._cancel(ref, reason, redo)
            return decided
        yield from self.tell_crm_cancelled(ref, reason)
        self.record("order_cancelled", order=ref, status=reason)
        return True


class DeskCancelsWithoutLookupEventBus(EventBusPattern):
    """The event-bus pattern with the desk that cancels without looking the order up."""

    name: ClassVar[str] = "mutant_desk_cancels_without_lookup_event_bus"

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        self.exception_desk.__class__ = DeskCancelsWithoutLookup


class DeskCancelsWithoutLookupHybrid(HybridPattern):
    """The hybrid pattern with the desk that cancels without looking the order up."""

    name: ClassVar[str] = "mutant_desk_cancels_without_lookup_hybrid"

    def __init__(self, context: PatternContext) -> None:
        super().__init__(context)
        self.exception_desk.__class__ = DeskCancelsWithoutLookup
