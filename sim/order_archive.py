"""Release of settled orders' state: what keeps a long run's memory flat.

Every system keeps per-order records: the ERP its orders, deliveries, invoices and change
pointers; the CRM its quotes and order records; the warehouse its pick releases; the
carrier its bookings and scan plans. Once an order is *settled* (delivered in full, every
invoice paid: the ERP tells :meth:`OrderArchive.settled`), nothing in the run reads them
again except a late message or a read-back, and those come within minutes to days. So a
nightly archiving run, as an ERP's residence-time archiving does, releases every order
settled more than ``residence_s`` ago from each system. An order someone may still act on
is kept whole for the run: one the exception desk was ever asked about (its resolution
may reconcile or resubmit it at any time) or one with a message in a dead-letter queue
(a replay may apply it).

The systems are not the only ones to remember an order: each endpoint counts an order's
requests (the ``n`` of its keyed service-time draws), and the integration keeps, per
order, the message ids its bus consumers applied, the carrier scan ids and newest scans it
took, the newest status versions it wrote to CRM, the CRM record and the region it learnt.
Those are *per-order state holders*, handed in as plain callables (:data:`ForgetOrder`:
told the order and its ERP deliveries), so this module depends on no part of the
integration; the world registers every endpoint and the pattern.

* ``holders`` (the endpoints) forget the order with the systems: a call about it after the
  residence would find the systems without it just the same.
* ``late_holders`` (the pattern) forget it one residence later. What the integration
  remembers is mostly what discards late copies: a duplicated or held-back carrier scan, a
  broker's duplicate or redelivery, an older status event. Such a copy comes after the
  last original (in the carrier chaos scenario, up to 11 hours after settlement, while
  the last call that reaches a system comes within minutes of it); forgotten with the
  systems, it would pass and reach a system that no longer knows the order. The second
  residence keeps those guards for a week more: bounded, so a long run's memory stays flat.

The residence must still exceed the latest original call about a settled order (the
direct pattern reads a delivered order's payment once a day); a week does for every
shipped scenario.

It records nothing and changes nothing a run does: the history is the same with the
archive on or off (tests prove it on several scenarios). A world with returns keeps
everything, since a customer may return goods at any time after delivery and the return
reads the order, its deliveries and its invoices.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Generator, Sequence
from typing import Any

from mock_systems.carrier import Carrier
from mock_systems.crm import Crm
from mock_systems.erp import Erp
from mock_systems.wms import Wms
from sim.engine import RunEnvironment
from sim.engine.calendar import DAY

__all__ = ["ForgetOrder", "OrderArchive"]

ForgetOrder = Callable[[int, tuple[str, ...]], None]
"""A per-order state holder's release: told (order reference, its ERP delivery numbers)."""


class OrderArchive:
    """Releases settled orders from the ERP, CRM, WMS and carrier after a residence time."""

    def __init__(
        self,
        run: RunEnvironment,
        erp: Erp,
        crm: Crm,
        wms: Wms,
        carrier: Carrier,
        residence_s: float,
        held: Callable[[], Collection[int]] = frozenset,
        every_s: float = DAY,
        holders: Sequence[ForgetOrder] = (),
        late_holders: Sequence[ForgetOrder] = (),
    ) -> None:
        self.run = run
        self.erp, self.crm, self.wms, self.carrier = erp, crm, wms, carrier
        self.residence_s = residence_s
        self.held = held
        """The orders the integration or its people may still act on (never released)."""
        self.holders = tuple(holders)
        """Per-order state outside the systems released with them (the endpoints')."""
        self.late_holders = tuple(late_holders)
        """Per-order state released one residence after the systems' (the integration's)."""
        self.released = 0
        """Orders released so far."""
        self._due: deque[tuple[float, int]] = deque()
        self._late: deque[tuple[float, int, tuple[str, ...]]] = deque()
        """Orders released from the systems, for the late holders: (when, order, deliveries)."""
        erp.on_settled = self.settled
        run.sim.process(self._archiving(every_s))

    def settled(self, reference: int) -> None:
        """The ERP settled order ``reference`` now."""
        self._due.append((self.run.now, reference))

    def _archiving(self, every_s: float) -> Generator[Any, Any, None]:
        """Each ``every_s``: release the orders settled more than the residence ago."""
        sim, due = self.run.sim, self._due
        while True:
            yield sim.timeout(every_s)
            cutoff = sim.now - self.residence_s
            held = self.held()
            while due and due[0][0] <= cutoff:
                reference = due.popleft()[1]
                if reference not in held:
                    self.release(reference)
            late = self._late
            while late and late[0][0] <= cutoff:
                _, reference, deliveries = late.popleft()
                for forget in self.late_holders:
                    forget(reference, deliveries)
            self.erp.forget_before(cutoff)

    def release(self, reference: int) -> None:
        """Release one settled order from every system and holder (nothing if not settled).

        The late holders are told a residence later, by the archiving run.
        """
        archived = self.erp.archive_order(reference)
        if archived is None:
            return
        self.crm.forget_order(reference)
        self.wms.forget_order(reference, archived.deliveries)
        self.carrier.forget_order(reference, archived.tracking_numbers)
        deliveries = archived.deliveries
        for forget in self.holders:
            forget(reference, deliveries)
        if self.late_holders:
            self._late.append((self.run.now, reference, deliveries))
        self.released += 1
