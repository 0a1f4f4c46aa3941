"""Opening stock: on-hand and open purchase orders from the (s, S) policy's steady state.

The ERP reviews every material at every plant once per review interval and orders up to
``S`` when the stock position fell below the reorder point ``s`` (see
:mod:`mock_systems.erp.inventory`). Its steady state has no closed form under lumpy
demand and random lead times, so it is reached by running the same policy, vectorised
over every (plant, material), for ``burn_in_days`` before time zero: each interval's
demand is compound Poisson (order lines of the material at the plant, lognormal units,
as the workload draws them) scaled by the weekday factor of its day, receipts arrive
after lead times drawn from the ERP's lead-time distribution, and demand beyond on-hand
is lost (the burn-in keeps no backlog). Reviews run and lead times elapse on the plant's
working days only, as the ERP's do. The review at time zero is the burn-in's last:
the purchase orders still on their way then are the opening pipeline.

With open orders, the demand of the last ``open_order_days`` business days (days with
orders) is still on the shelves at time zero, allocated to those orders (it left the stock
position when it was allocated).

Draws come from ``workload.stock`` only, before time zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.engine import Distribution
from sim.engine.calendar import DAY

__all__ = ["OpeningStock", "opening_stock"]


@dataclass(frozen=True)
class OpeningStock:
    """Per item (plant x material, flattened): the opening state, and the pipeline."""

    on_hand: np.ndarray
    allocated: np.ndarray
    """Units allocated to open orders at time zero (shipped during the run)."""
    pipeline_item: np.ndarray
    """Item of each open purchase order."""
    pipeline_quantity: np.ndarray
    pipeline_arrives_at: np.ndarray
    """Seconds after time zero at which each open purchase order is received."""


def _demand(
    rng: np.random.Generator, line_rate: np.ndarray, units_mean: float, units_cv: float
) -> np.ndarray:
    """Units demanded per item in one interval: Poisson lines, lognormal units per line."""
    lines = rng.poisson(line_rate)
    total = int(lines.sum())
    sigma2 = math.log1p(units_cv**2)
    units = np.maximum(
        1.0, np.rint(rng.lognormal(math.log(units_mean) - sigma2 / 2, math.sqrt(sigma2), total))
    )
    return np.bincount(np.repeat(np.arange(len(line_rate)), lines), units, len(line_rate))


def opening_stock(
    line_rate: np.ndarray,
    reorder_point: np.ndarray,
    order_up_to: np.ndarray,
    day_factor: Callable[[float], float],
    working: Callable[[float], bool],
    arrival: Callable[[float, float], float],
    units: tuple[float, float],
    lead_time: Distribution,
    review_interval_s: float,
    burn_in_days: int,
    open_order_days: float,
    rng: np.random.Generator,
) -> OpeningStock:
    """Run the (s, S) policy before time zero and return its state at time zero.

    ``line_rate`` is the expected order lines per business day of each item,
    ``day_factor(t)`` the weekday factor of the day containing ``t`` (seconds, negative
    before time zero), ``working(t)`` whether the review runs at ``t`` (the plant's
    factory calendar), ``arrival(t, lead)`` when a purchase order placed at ``t`` with
    lead time ``lead`` arrives (lead time counts working days), ``units`` the mean and cv
    of units per line.
    """
    n = len(line_rate)
    on_hand = np.asarray(order_up_to, dtype=float).copy()
    reorder = np.asarray(reorder_point, dtype=float)
    target = np.asarray(order_up_to, dtype=float)
    pipe_item = np.empty(0, dtype=np.int64)
    pipe_qty = np.empty(0)
    pipe_at = np.empty(0)
    draw_lead = lead_time.sampler(rng)
    steps = max(1, math.ceil(burn_in_days * DAY / review_interval_s))
    keep = math.ceil(open_order_days * DAY / review_interval_s) if open_order_days > 0 else 0
    served: list[np.ndarray] = []
    scale = review_interval_s / DAY
    for step in range(-steps, 1):
        t = step * review_interval_s
        on_order = np.bincount(pipe_item, pipe_qty, n)
        position = on_hand + on_order
        short = (target > 0) & (position < reorder)
        items = np.flatnonzero(short) if working(t) else np.empty(0, dtype=np.int64)
        if items.size:
            lead = np.fromiter((draw_lead() for _ in range(items.size)), float, items.size)
            pipe_item = np.concatenate([pipe_item, items])
            pipe_qty = np.concatenate([pipe_qty, target[items] - position[items]])
            pipe_at = np.concatenate([pipe_at, [arrival(t, x) for x in lead]])
        if step == 0:
            break
        factor = day_factor(t)
        demand = _demand(rng, line_rate * factor * scale, *units)
        end = t + review_interval_s
        arrived = pipe_at <= end
        on_hand += np.bincount(pipe_item[arrived], pipe_qty[arrived], n)
        pipe_item, pipe_qty, pipe_at = pipe_item[~arrived], pipe_qty[~arrived], pipe_at[~arrived]
        taken = np.minimum(demand, on_hand)
        on_hand -= taken
        if factor > 0:  # open orders are the last business days' (no orders at weekends)
            served.append(taken)
    allocated = np.sum(served[len(served) - keep :], axis=0) if keep else np.zeros(n)
    return OpeningStock(
        np.rint(on_hand + allocated).astype(np.int64),
        np.rint(allocated).astype(np.int64),
        pipe_item,
        np.rint(pipe_qty).astype(np.int64),
        pipe_at,
    )
