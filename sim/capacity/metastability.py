"""Metastability: after the load fell back, the system did not come back.

Read from a step's hourly series alone (:mod:`sim.capacity.steps`), by the rule of
:class:`sim.capacity.settings.MetastabilityRule`:

* the load is the orders accepted per hour; its busiest hour is the peak, and it *fell*
  at the first later hour whose arrivals are at most ``fall_share`` of the peak's;
* the watch covers ``watch_h`` hours from ``settle_h`` hours after the fall;
* a queue (a resource's mean queue, or the backlog of orders awaiting their ERP order) is
  *still growing* when over the watch its hourly level rose by at least ``min_growth``,
  ends above its level at the fall and never fell below that level in between: it grows
  although the load that built it is gone (a queue that emptied and then took a batch
  run's burst drained);
* retries are *elevated* when their rate over the watch is at least ``retry_share`` of
  their rate from the peak to the fall, and at least ``min_retries_per_h``: a retry storm
  that outlives its trigger.

A run is metastable when a queue is still growing or retries stay elevated. Limits: a
run whose load never falls, or whose horizon ends before the watch does, is not assessed;
the rule cannot tell a storm from a load that fell but still exceeds a resource's capacity
(its queue grows too), so read the ``accepted`` series beside it; a queue that holds level
(a pool of callers whose waiting requests are capped by their own concurrency, while the
backlog upstream drains) is not growing, and a storm that only holds a queue level is
caught by its retries, not its queue.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.capacity.settings import MetastabilityRule
from sim.capacity.steps import LOAD

__all__ = ["Metastability", "GrowingQueue", "assess_metastability"]


@dataclass(frozen=True)
class GrowingQueue:
    """A queue still growing after the load fell.

    Its level at the fall, at the end of the watch, and over the watch hour by hour.
    """

    resource: str
    at_fall: float
    at_end: float
    watched: list[float]


@dataclass(frozen=True)
class Metastability:
    """The finding on one step: whether it is metastable and the evidence."""

    multiplier: float
    assessed: bool
    metastable: bool
    reason: str
    peak_h: float = float("nan")
    fell_h: float = float("nan")
    watch_h: tuple[float, float] = (float("nan"), float("nan"))
    stuck: list[GrowingQueue] = field(default_factory=list)
    retries_per_h_loaded: float = 0.0
    retries_per_h_watched: float = 0.0
    retries_elevated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for capacity.json."""
        return asdict(self)


def _wide(series: pd.DataFrame) -> pd.DataFrame:
    """One column per (resource, figure), one row per hour start."""
    return series.pivot_table(
        index="time_h", columns=["resource", "figure"], values="value", dropna=False
    )


def assess_metastability(series: pd.DataFrame, rule: MetastabilityRule) -> Metastability:
    """The metastability finding of one step's tidy hourly ``series`` under ``rule``."""
    multiplier = float(series["multiplier"].iloc[0]) if len(series) else float("nan")
    if not rule.enabled:
        return Metastability(multiplier, False, False, "metastability check switched off")
    wide = _wide(series)
    hours = wide.index.to_numpy(dtype=float)
    load = wide[(LOAD, "accepted")].to_numpy(dtype=float)
    if not load.size or load.max() <= 0:
        return Metastability(multiplier, False, False, "no orders arrived")
    peak = int(np.argmax(load))
    fallen = np.flatnonzero((np.arange(load.size) > peak) & (load <= rule.fall_share * load[peak]))
    if not fallen.size:
        return Metastability(multiplier, False, False, "the load never fell", hours[peak])
    fell = int(fallen[0])
    start, end = hours[fell] + rule.settle_h, hours[fell] + rule.settle_h + rule.watch_h
    watch = (hours >= start) & (hours < end)
    if hours[-1] + 1.0 < end or not watch.any():
        return Metastability(
            multiplier, False, False, "the run ended before the watch did", hours[peak], hours[fell]
        )
    last = int(np.flatnonzero(watch)[-1])
    queues = wide.xs("queue", axis=1, level="figure")
    matrix = queues.to_numpy(dtype=float)
    first = int(np.flatnonzero(watch)[0])
    at_fall, at_start, at_end = matrix[fell], matrix[first], matrix[last]
    with np.errstate(invalid="ignore"):
        lowest = matrix[watch].min(axis=0)
        stuck_mask = (at_end - at_start >= rule.min_growth) & (at_end > at_fall)
        stuck_mask &= lowest >= at_fall  # a queue that emptied in between drained
    stuck = [
        GrowingQueue(
            str(name),
            float(at_fall[i]),
            float(at_end[i]),
            [round(float(v), 3) for v in matrix[watch, i]],
        )
        for i, name in enumerate(queues.columns)
        if stuck_mask[i]
    ]
    retries = wide[(LOAD, "retries")].to_numpy(dtype=float)
    loaded = float(retries[peak:fell].mean()) if fell > peak else 0.0
    watched = float(retries[watch].mean())
    elevated = watched >= rule.min_retries_per_h and watched >= rule.retry_share * loaded
    metastable = bool(stuck) or elevated
    if metastable:
        what = [s.resource for s in stuck] + (["retries"] if elevated else [])
        reason = f"still loaded after the load fell: {', '.join(what)}"
    else:
        reason = "no queue kept growing and retries subsided after the load fell"
    return Metastability(
        multiplier,
        True,
        metastable,
        reason,
        float(hours[peak]),
        float(hours[fell]),
        (float(start), float(end)),
        stuck,
        loaded,
        watched,
        bool(elevated),
    )
