"""Customer amendments of accepted orders: line changes and cancellations (EDI 860, CRM).

The plan is drawn before time zero from the keyed stream ``workload.amendments``: draw
``k`` of order ``n`` decides, for every order independently of every other order, whether
its customer later changes it (k = 0), when (k = 1, a lognormal delay after acceptance),
which line (k = 2), whether the line is removed (k = 3) and the new quantity (k = 4). So
an order's amendment is the same whatever other orders exist (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.special import ndtri

from sim.engine.streams import keyed_units, stream_key
from sim.scenario.demand_model import Amendments

__all__ = ["Amendment", "AmendmentKind", "AmendmentPlan", "plan_amendments"]


class AmendmentKind(StrEnum):
    """What the customer asks for."""

    CHANGE = "change"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Amendment:
    """One customer amendment of an accepted order (a workload event).

    ``item_no`` and ``quantity`` are the line (1-based) and its new quantity (0 removes
    the line; only of an order with more than one line) of a change; both 0 for a
    cancellation.
    """

    order: int
    channel: str
    kind: AmendmentKind
    item_no: int
    quantity: int


@dataclass(frozen=True)
class AmendmentPlan:
    """Planned amendments, in time order."""

    times: np.ndarray
    orders: np.ndarray
    cancel: np.ndarray
    """True for a cancellation, False for a line change."""
    item_no: np.ndarray
    quantity: np.ndarray

    def __len__(self) -> int:
        return len(self.times)


def plan_amendments(
    spec: Amendments,
    seed: int,
    accepted_at: np.ndarray,
    line_counts: np.ndarray,
    units: np.ndarray,
) -> AmendmentPlan:
    """The amendments of the orders accepted at ``accepted_at`` (order n = index n).

    ``line_counts`` are the orders' lines and ``units`` every line's quantity, order after
    order, as the arrival plan has them.
    """
    n = len(accepted_at)
    key = stream_key(seed, "workload.amendments")
    orders = np.arange(n, dtype=np.int64)
    draws = [keyed_units(key, orders, k) for k in range(5)]
    kind = draws[0]
    cancel = kind < spec.cancel_share
    amended = kind < spec.cancel_share + spec.change_share
    sigma = math.sqrt(math.log1p(spec.delay_cv**2))
    mu = math.log(spec.delay_mean_h * 3600.0) - sigma * sigma / 2
    delay = np.exp(mu + sigma * ndtri(draws[1]))
    counts = np.maximum(line_counts.astype(np.int64), 1)
    item = np.minimum((draws[2] * counts).astype(np.int64), counts - 1)
    first_line = np.concatenate(([0], np.cumsum(line_counts)[:-1])).astype(np.int64)
    old = units[np.minimum(first_line + item, max(len(units) - 1, 0))] if len(units) else item
    low, high = spec.quantity_factor_range
    new = np.maximum(1, np.rint(old * (low + draws[4] * (high - low)))).astype(np.int64)
    new = np.where(new == old, old + 1, new)
    new = np.where((draws[3] < spec.line_removal_share) & (counts > 1), 0, new)
    chosen = np.flatnonzero(amended)
    times = accepted_at[chosen] + delay[chosen]
    order = np.argsort(times, kind="stable")
    chosen = chosen[order]
    is_cancel = cancel[chosen]
    return AmendmentPlan(
        times[order],
        chosen,
        is_cancel,
        np.where(is_cancel, 0, item[chosen] + 1),
        np.where(is_cancel, 0, new[chosen]),
    )
