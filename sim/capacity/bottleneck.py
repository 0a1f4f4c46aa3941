"""The bottleneck: the resource whose utilisation and backlog grow first as the load rises.

Two figures per resource and step, each the mean over the step's replications of the
history's hourly series (:mod:`sim.utilisation`):

* its *utilisation*: the share of its servers busy in its busiest hour;
* its *backlog*: the mean number of requests waiting in its busiest queue hour, per server
  (endpoints and pools: requests waiting for a server; bus subscriptions: copies waiting on
  their partitions, the consumer lag). Per server, so that a pool of two and a pool of
  sixteen are read on one scale.

A resource *saturates* at the lowest multiplier where its utilisation has reached the
saturation threshold AND its backlog has grown: by at least ``backlog_floor`` requests per
server above its backlog at the lowest step that measured it. At that lowest step itself
the backlog is measured above the empty queue of no load, and counts as grown only when
the next step's grew by the floor again: a backlog there at the lowest load that holds
level is not growing with the load. Busy is not enough: a resource can run near its
threshold without requests waiting for it (work that arrives as evenly as it is served, or
callers held back upstream by their own limits, where the queue then forms); it is not yet
what limits the flow, and a backlog that grows with the load is the sign that it is. A
backlog alone is not enough either: bursts (batch runs, waves) queue at any load.

Where the utilisation crosses the threshold is extrapolated: below saturation utilisation
grows linearly with the arrival rate, so the crossing lies on the line through the last two
steps below the threshold (through the origin when there is only one), kept between the last
step below and the first step at or above it (that step itself when no step lies below).
If the backlog has grown at that first step, the resource saturates at the crossing;
otherwise at the first later step at or above the threshold whose backlog has grown (a
queue grows steeply near saturation, so it is not extrapolated).

The bottleneck is the resource that saturates at the lowest multiplier; a tie goes to the
larger backlog growth at its saturation step, then to the higher utilisation, then to the
name. Resources that crossed the threshold without a growing backlog are listed as busy
without a backlog, never named ahead of one that saturated. When none saturates, the
bottleneck is the busiest resource at the highest step, reported as not saturated: the one
nearest to saturation, not a proven limit. ``backlog_floor = 0`` switches the backlog
condition off: utilisation alone decides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.capacity.settings import CapacitySettings
from sim.capacity.steps import CapacityStep

__all__ = ["BACKLOG_FLOOR", "Bottleneck", "backlog_table", "find_bottleneck", "utilisation_table"]

PEAK = "peak_hour_utilisation"
QUEUE = "peak_hour_queue"

BACKLOG_FLOOR: float = CapacitySettings.model_fields["backlog_floor"].default
"""Requests waiting per server by which a backlog must have grown (the default of
:class:`~sim.capacity.settings.CapacitySettings`' ``backlog_floor``, where it is argued)."""


@dataclass(frozen=True)
class Bottleneck:
    """The bottleneck and the evidence: each resource's saturation and every step's rankings.

    ``crossings`` maps each resource that saturated to the multiplier where it did;
    ``busy_without_backlog`` each resource whose utilisation crossed the threshold but whose
    backlog never grew, to its utilisation crossing. ``ranking`` maps each step's multiplier
    to its resources, busiest hour first, as ``[name, utilisation]`` pairs; ``backlog`` to
    its resources, largest backlog first, as ``[name, requests waiting per server]`` pairs.
    ``backlog_growth`` is the bottleneck's growth at its saturation step (NaN when not
    saturated).
    """

    resource: str | None
    saturated: bool
    crossing_multiplier: float
    utilisation: float
    threshold: float
    backlog_floor: float = BACKLOG_FLOOR
    backlog_growth: float = math.nan
    crossings: dict[str, float] = field(default_factory=dict)
    busy_without_backlog: dict[str, float] = field(default_factory=dict)
    ranking: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    backlog: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for capacity.json."""
        return asdict(self)


def _value(figures: dict[str, float], figure: str, per_server: bool) -> float:
    value = figures.get(figure, math.nan)
    if not per_server:
        return value
    servers = figures.get("servers", math.nan)
    return value / servers if servers > 0 else math.nan


def _table(steps: Sequence[CapacityStep], figure: str, per_server: bool) -> pd.DataFrame:
    records = {
        step.multiplier: {n: _value(r, figure, per_server) for n, r in step.resources.items()}
        for step in steps
    }
    table = pd.DataFrame.from_dict(records, orient="index", dtype=float).sort_index()
    table.index.name = "multiplier"
    return table.sort_index(axis=1)


def utilisation_table(steps: Sequence[CapacityStep]) -> pd.DataFrame:
    """Busiest-hour utilisation, one row per step and one column per resource.

    Rows are in ascending multiplier; NaN where a step lacks the resource.
    """
    return _table(steps, PEAK, per_server=False)


def backlog_table(steps: Sequence[CapacityStep]) -> pd.DataFrame:
    """Busiest-queue-hour requests waiting per server, laid out as :func:`utilisation_table`.

    NaN where a step lacks the resource, its queue or its servers.
    """
    return _table(steps, QUEUE, per_server=True)


def _crossing(multipliers: np.ndarray, values: np.ndarray, threshold: float) -> float:
    """Where one resource's curve reaches ``threshold`` (NaN when it never does)."""
    above = np.flatnonzero(np.nan_to_num(values, nan=-np.inf) >= threshold)
    if not above.size:
        return math.nan
    first = int(above[0])
    below = np.flatnonzero(np.isfinite(values[:first]))
    if not below.size:
        return float(multipliers[first])
    m1, u1 = multipliers[below[-1]], values[below[-1]]
    estimate = m1 * threshold / u1 if u1 > 0 else multipliers[first]
    if below.size >= 2:
        m0, u0 = multipliers[below[-2]], values[below[-2]]
        slope = (u1 - u0) / (m1 - m0)
        if slope > 0:
            estimate = m1 + (threshold - u1) / slope
    return float(np.clip(estimate, m1, multipliers[first]))


def _growth(backlog: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Each step's backlog growth, and whether it has grown by ``floor``.

    Growth is above the lowest step that measured the backlog; at that step itself, above
    an empty queue, and it counts as grown only if the next step's backlog grew further
    (a backlog that is there at the lowest load and holds level is not growing with it).
    """
    known = np.flatnonzero(np.isfinite(backlog))
    if not known.size:
        return np.full(backlog.shape, math.nan), np.full(backlog.shape, floor <= 0)
    low = known[0]
    growth: np.ndarray = backlog - backlog[low]
    growth[low] = backlog[low]
    grown: np.ndarray = np.nan_to_num(growth, nan=-np.inf) >= floor
    if known.size > 1:
        grown[low] &= bool(backlog[known[1]] - backlog[low] >= floor)
    return growth, grown | (floor <= 0)


@dataclass(frozen=True)
class _Saturation:
    """One resource's utilisation crossing and, when its backlog grew, its saturation."""

    crossing: float
    utilisation: float = math.nan
    multiplier: float = math.nan
    growth: float = math.nan


def _saturation(
    multipliers: np.ndarray,
    utilisation: np.ndarray,
    backlog: np.ndarray,
    threshold: float,
    floor: float,
) -> _Saturation:
    """Where one resource's utilisation crosses ``threshold``, and where it saturates."""
    crossing = _crossing(multipliers, utilisation, threshold)
    reached = np.flatnonzero(np.nan_to_num(utilisation, nan=-np.inf) >= threshold)
    if not reached.size:
        return _Saturation(crossing)
    growth, grown_at = _growth(backlog, floor)
    grown = reached[grown_at[reached]]
    if not grown.size:
        return _Saturation(crossing)
    step = int(grown[0])
    saturates = crossing if step == reached[0] else float(multipliers[step])
    return _Saturation(crossing, float(utilisation[step]), saturates, float(growth[step]))


def _ranked(table: pd.DataFrame) -> dict[str, list[tuple[str, float]]]:
    """Each step's resources as ``(name, value)``, largest first (ties by name; NaN out)."""
    return {
        f"{m:g}": [
            (str(n), float(v))
            for n, v in row.dropna()
            .sort_index()
            .sort_values(ascending=False, kind="stable")
            .items()
        ]
        for m, row in table.iterrows()
    }


def find_bottleneck(
    steps: Sequence[CapacityStep], threshold: float = 0.85, backlog_floor: float = BACKLOG_FLOOR
) -> Bottleneck:
    """The bottleneck of ``steps`` by the rule above.

    ``threshold`` is the saturation share of a resource's servers, ``backlog_floor`` the
    requests waiting per server by which its backlog must have grown (0: not required).
    """
    if not steps:
        return Bottleneck(None, False, math.nan, math.nan, threshold, backlog_floor)
    table = utilisation_table(steps)
    backlog = backlog_table(steps).reindex(index=table.index, columns=table.columns)
    multipliers = table.index.to_numpy(dtype=float)
    found = {
        str(name): _saturation(
            multipliers,
            table[name].to_numpy(dtype=float),
            backlog[name].to_numpy(dtype=float),
            threshold,
            backlog_floor,
        )
        for name in table.columns
    }
    ranking, queued = _ranked(table), _ranked(backlog)
    saturated = pd.DataFrame(
        [
            (n, s.multiplier, -s.growth, -s.utilisation)
            for n, s in found.items()
            if math.isfinite(s.multiplier)
        ],
        columns=["name", "multiplier", "neg_growth", "neg_utilisation"],
    ).sort_values(["multiplier", "neg_growth", "neg_utilisation", "name"], kind="stable")
    busy = {
        n: s.crossing
        for n, s in found.items()
        if math.isfinite(s.crossing) and math.isnan(s.multiplier)
    }
    busy = dict(sorted(busy.items(), key=lambda item: (item[1], item[0])))
    if saturated.empty:
        last = table.iloc[-1].dropna().sort_index().sort_values(ascending=False, kind="stable")
        return Bottleneck(
            str(last.index[0]) if not last.empty else None,
            False,
            math.nan,
            float(last.iloc[0]) if not last.empty else math.nan,
            threshold,
            backlog_floor,
            busy_without_backlog=busy,
            ranking=ranking,
            backlog=queued,
        )
    name = str(saturated["name"].iloc[0])
    first = found[name]
    return Bottleneck(
        name,
        True,
        first.multiplier,
        first.utilisation,
        threshold,
        backlog_floor,
        backlog_growth=first.growth,
        crossings={str(n): found[str(n)].multiplier for n in saturated["name"]},
        busy_without_backlog=busy,
        ranking=ranking,
        backlog=queued,
    )
