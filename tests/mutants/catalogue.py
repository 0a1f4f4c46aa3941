"""The mutants the oracle must catch, the checker that names each, and who each one harms.

A :class:`Mutant` turns a scenario into its broken variant: a mechanism switched off
(``integration.mechanisms``) or a code-level mutant pattern (``tests.mutants.patterns``),
applied as ``--set`` overrides so that a counterexample replays with ``o2csim run``. For
each checker, :func:`harmed_orders` finds the orders a violation really hurt by reading
the history with plain loops, independently of the vectorised checker, so that a test can
verify that a verdict's witness points at one of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from sim.checks import Check, Verdict
from sim.checks.monotonic_lifecycle import RANK
from sim.engine import History
from sim.history_frame import ACCEPTANCE_EVENTS
from sim.scenario import Scenario, apply_overrides

ACK_BEFORE_COMMIT = "tests.mutants.patterns:AckBeforeCommitEventBus"


@dataclass(frozen=True)
class Mutant:
    """A broken variant of the integration core and the checker that must name it."""

    name: str
    checker: Check
    patterns: tuple[str, ...]
    """The patterns it breaks (the ones the random search draws)."""
    overrides: tuple[str, ...]
    """``--set`` overrides that make a scenario the mutant."""
    harm: str = ""
    """Which orders it hurts, when narrower than any violation of ``checker``
    (a key of :data:`MUTANT_HARM`)."""

    def apply(self, scenario: Scenario) -> Scenario:
        """The scenario with the mutant in place (validated like a scenario file)."""
        data = scenario.model_dump(mode="json", exclude_unset=True)
        return Scenario.model_validate(apply_overrides(data, list(self.overrides)))

    def harmed(self, history: History) -> set[int]:
        """The orders this mutant really hurt in ``history``."""
        return (
            MUTANT_HARM[self.harm](history) if self.harm else harmed_orders(self.checker, history)
        )


def off(mechanism: str) -> str:
    return f"integration.mechanisms.{mechanism}=false"


BOTH = ("hybrid", "event_bus")

MUTANTS: tuple[Mutant, ...] = (
    Mutant("idempotency_disabled", Check.NO_DUPLICATES, BOTH, (off("idempotency_keys"),)),
    Mutant("resequencing_disabled", Check.MONOTONIC_LIFECYCLE, BOTH, (off("resequencing"),)),
    # without its dead-letter queue the bus drops a copy that fails (a bus.dropped row)
    Mutant("dlq_drops", Check.MESSAGE_CONSERVATION, BOTH, (off("dead_letter_queue"),)),
    # a subclass of the event-bus pattern (its order mapper can lose an accepted order)
    Mutant(
        "ack_before_commit",
        Check.NO_LOST_ORDERS,
        ("event_bus",),
        (f"integration.pattern={ACK_BEFORE_COMMIT}",),
    ),
    Mutant("dedupe_disabled", Check.MESSAGE_CONSERVATION, BOTH, (off("dedupe"),)),
    Mutant(
        "compensation_skipped",
        Check.CONVERGENCE,
        BOTH,
        (off("compensation"),),
        harm="cancelled_only_in_crm",
    ),
)
"""Every mutant, in the order of the brief."""

MUTANT = {mutant.name: mutant for mutant in MUTANTS}


# ----------------------------------------------------------------------- harmed orders
def _ordered(history: History, event: str) -> list[dict[str, float | int | str]]:
    """Rows of ``event`` by time, ties in row order."""
    return sorted(history.select(event), key=lambda row: float(row["time"]))


def _orders(history: History, event: str) -> set[int]:
    return {int(row["order"]) for row in history.select(event)}


def _duplicated(history: History) -> set[int]:
    """Orders created twice, or with a delivery dispatched or invoiced twice."""
    created = Counter(int(row["order"]) for row in history.select("erp.order_created"))
    harmed = {order for order, n in created.items() if n > 1}
    for event in ("erp.shipment_dispatched", "erp.invoice_posted"):
        seen = Counter((int(r["order"]), int(r["subject"])) for r in history.select(event))
        harmed |= {order for (order, _), n in seen.items() if n > 1}
    return harmed


def _moved_backwards(history: History) -> set[int]:
    """Orders whose CRM order or shipment status went back in the lifecycle."""
    harmed: set[int] = set()
    shown: defaultdict[int, list[str]] = defaultdict(list)
    for row in _ordered(history, "crm.status_updated"):
        shown[int(row["order"])].append(str(row["status"]))
    for order, statuses in shown.items():
        for before, after in pairwise(statuses):
            if before != "HELD" and after != "CANCELLED" and RANK[after] < RANK[before]:
                harmed.add(order)
    shipments: defaultdict[tuple[int, int], list[str]] = defaultdict(list)
    for row in _ordered(history, "crm.shipment_updated"):
        shipments[(int(row["order"]), int(row["subject"]))].append(str(row["status"]))
    for (order, _), statuses in shipments.items():
        for before, after in pairwise(statuses):
            if before == "EXCEPTION":
                continue
            if after not in RANK:
                if before == "DELIVERED":
                    harmed.add(order)
            elif RANK[after] < RANK[before]:
                harmed.add(order)
    return harmed


def _unconserved(history: History) -> set[int]:
    """Orders with a copy dropped, applied twice, or delivered and never settled."""
    harmed = _orders(history, "bus.dropped")
    delivered: Counter[tuple[str, int]] = Counter()
    settled: Counter[tuple[str, int]] = Counter()
    applied: Counter[tuple[str, int]] = Counter()
    order_of: dict[tuple[str, int], int] = {}
    for event in ("bus.delivered", "bus.applied", "bus.discarded", "bus.dead_lettered"):
        for row in history.select(event):
            key = (str(row["actor"]), int(row["subject"]))
            order_of[key] = int(row["order"])
            if event == "bus.delivered":
                delivered[key] += 1
            else:
                settled[key] += 1
            if event == "bus.applied":
                applied[key] += 1
    harmed |= {order_of[key] for key, n in applied.items() if n > 1}
    harmed |= {order_of[key] for key, n in delivered.items() if n > settled[key]}
    return harmed


def _lost(history: History) -> set[int]:
    """Accepted orders the ERP never created and no exception names."""
    accounted = _orders(history, "erp.order_created")
    for event in ("integration.exception_raised", "integration.order_cancelled"):
        accounted |= _orders(history, event)
    accepted: set[int] = set()
    for event in ACCEPTANCE_EVENTS:
        accepted |= _orders(history, event)
    return accepted - accounted


def _diverged(history: History) -> set[int]:
    """Orders whose last CRM status is not the ERP's last status."""
    erp = {int(r["order"]): str(r["status"]) for r in _ordered(history, "erp.order_status")}
    crm = {int(r["order"]): str(r["status"]) for r in _ordered(history, "crm.status_updated")}
    return {order for order, status in erp.items() if crm.get(order) != status}


HARMED: dict[Check, Callable[[History], set[int]]] = {
    Check.NO_DUPLICATES: _duplicated,
    Check.MONOTONIC_LIFECYCLE: _moved_backwards,
    Check.MESSAGE_CONSERVATION: _unconserved,
    Check.NO_LOST_ORDERS: _lost,
    Check.CONVERGENCE: _diverged,
}


def _cancelled_only_in_crm(history: History) -> set[int]:
    """Orders the integration cancelled whose ERP order it left open (not CANCELLED)."""
    erp = {int(r["order"]): str(r["status"]) for r in _ordered(history, "erp.order_status")}
    cancelled = _orders(history, "integration.order_cancelled")
    return {order for order in cancelled if order in erp and erp[order] != "CANCELLED"}


MUTANT_HARM: dict[str, Callable[[History], set[int]]] = {
    "cancelled_only_in_crm": _cancelled_only_in_crm,
}


def harmed_orders(checker: Check, history: History) -> set[int]:
    """The orders a violation of ``checker`` hurt in ``history``."""
    return HARMED[checker](history)


def witness_orders(verdict: Verdict) -> set[int]:
    """The orders a verdict's witness names (by correlation id)."""
    return {
        int(str(row["correlation_id"])[1:]) for row in verdict.witness if "correlation_id" in row
    }
