"""History-only invariant checkers: DOMAIN.md's "Invariants checked after every run".

Each checker takes a run's history (a :class:`~sim.engine.History` or its DataFrame, e.g.
``pd.read_parquet(run_dir / "history.parquet")``) and returns a :class:`Verdict`: valid or
not, counts, and a witness of at most ten decoded rows proving a violation. Checkers never
look at a live world, and are vectorised over the history's columns.

``run_all(history)`` runs every single-history checker in :data:`CHECKERS`;
:func:`compare_histories` checks determinism on two histories.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.checks.base import Check, HistoryLike, RunEnd, Verdict, as_frame, as_table, run_end
from sim.checks.causality import causality
from sim.checks.convergence import convergence
from sim.checks.determinism import compare_histories
from sim.checks.message_conservation import message_conservation
from sim.checks.monotonic_lifecycle import monotonic_lifecycle
from sim.checks.no_duplicates import no_duplicates
from sim.checks.no_lost_orders import no_lost_orders
from sim.checks.no_phantoms import no_phantoms
from sim.checks.returns import returns

__all__ = [
    "CHECKERS",
    "Check",
    "Checker",
    "HistoryLike",
    "RunEnd",
    "Verdict",
    "as_frame",
    "as_table",
    "causality",
    "compare_histories",
    "convergence",
    "message_conservation",
    "monotonic_lifecycle",
    "no_duplicates",
    "no_lost_orders",
    "no_phantoms",
    "returns",
    "run_all",
    "run_end",
]

Checker = Callable[[HistoryLike], Verdict]
"""A single-history checker."""

CHECKERS: dict[str, Checker] = {
    Check.NO_LOST_ORDERS.value: no_lost_orders,
    Check.NO_PHANTOMS.value: no_phantoms,
    Check.NO_DUPLICATES.value: no_duplicates,
    Check.CONVERGENCE.value: convergence,
    Check.CAUSALITY.value: causality,
    Check.MONOTONIC_LIFECYCLE.value: monotonic_lifecycle,
    Check.MESSAGE_CONSERVATION.value: message_conservation,
    Check.RETURNS.value: returns,
}
"""Every single-history checker by name (determinism needs two histories: not here)."""


def run_all(history: HistoryLike) -> dict[str, Verdict]:
    """Run every checker of :data:`CHECKERS` on one history (made a table once)."""
    frame = as_table(history)
    return {name: check(frame) for name, check in CHECKERS.items()}
