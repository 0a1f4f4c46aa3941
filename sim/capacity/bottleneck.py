"""The bottleneck: the resource whose busiest hour saturates first as the load rises.

Across the steps in ascending multiplier, each resource's busiest-hour utilisation (mean
over the step's replications, from the history's hourly series) is a curve. A resource
*crosses* at the multiplier where that curve first reaches the saturation threshold:
below saturation utilisation grows linearly with the arrival rate, so the crossing is
extrapolated from the steps below the threshold (see :func:`_crossings`), never beyond
the first step at or above it (that step itself when no step lies below). The
bottleneck is the resource that crosses at the lowest multiplier; a tie goes to the
higher utilisation at the crossing step, then to the name. When no resource crosses
within the steps, the bottleneck is the busiest resource at the highest step, reported as
not saturated: it is the one nearest to saturation, not a proven limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.capacity.steps import CapacityStep

__all__ = ["Bottleneck", "find_bottleneck", "utilisation_table"]

PEAK = "peak_hour_utilisation"


@dataclass(frozen=True)
class Bottleneck:
    """The bottleneck and the evidence: each resource's crossing and every step's ranking.

    ``crossings`` maps each resource that saturated to the multiplier where it crossed;
    ``ranking`` maps each step's multiplier to its resources, busiest hour first, as
    ``[name, utilisation]`` pairs.
    """

    resource: str | None
    saturated: bool
    crossing_multiplier: float
    utilisation: float
    threshold: float
    crossings: dict[str, float] = field(default_factory=dict)
    ranking: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for capacity.json."""
        return asdict(self)


def utilisation_table(steps: Sequence[CapacityStep]) -> pd.DataFrame:
    """Busiest-hour utilisation, one row per step and one column per resource.

    Rows are in ascending multiplier; NaN where a step lacks the resource.
    """
    records = {step.multiplier: {n: r[PEAK] for n, r in step.resources.items()} for step in steps}
    table = pd.DataFrame.from_dict(records, orient="index").sort_index()
    table.index.name = "multiplier"
    return table.sort_index(axis=1)


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


def _crossings(table: pd.DataFrame, threshold: float) -> tuple[pd.Series, pd.Series]:
    """Per resource: its crossing multiplier and the utilisation at the first step past it.

    Below saturation a resource's utilisation grows linearly with the arrival rate (its
    offered load), so the crossing is extrapolated on the line through the last two steps
    below the threshold (through the origin when there is only one), and kept between the
    last step below and the first step at or above it; saturated curves flatten at 1, so
    the steps above are not used. Both are NaN for resources that never reach it.
    """
    multipliers = table.index.to_numpy(dtype=float)
    crossing, at = [], []
    for name in table.columns:
        values = table[name].to_numpy(dtype=float)
        crossing.append(_crossing(multipliers, values, threshold))
        reached = np.flatnonzero(np.nan_to_num(values, nan=-np.inf) >= threshold)
        at.append(float(values[reached[0]]) if reached.size else math.nan)
    return pd.Series(crossing, index=table.columns), pd.Series(at, index=table.columns)


def find_bottleneck(steps: Sequence[CapacityStep], threshold: float = 0.85) -> Bottleneck:
    """The bottleneck of ``steps`` by the rule above (``threshold``: the saturation share)."""
    if not steps:
        return Bottleneck(None, False, math.nan, math.nan, threshold)
    table = utilisation_table(steps)
    ranking = {
        f"{m:g}": [(str(n), float(u)) for n, u in row.dropna().sort_values(ascending=False).items()]
        for m, row in table.iterrows()
    }
    crossing, at = _crossings(table, threshold)
    crossed = pd.DataFrame({"crossing": crossing, "at": at}).dropna()
    if crossed.empty:
        last = table.iloc[-1].dropna()
        if last.empty:
            return Bottleneck(None, False, math.nan, math.nan, threshold, ranking=ranking)
        busiest = last.sort_index().sort_values(ascending=False, kind="stable")
        return Bottleneck(
            str(busiest.index[0]),
            False,
            math.nan,
            float(busiest.iloc[0]),
            threshold,
            ranking=ranking,
        )
    crossed = crossed.assign(name=crossed.index.astype(str), neg_at=-crossed["at"])
    order = crossed.sort_values(["crossing", "neg_at", "name"], kind="stable")
    name = str(order.index[0])
    return Bottleneck(
        name,
        True,
        float(order["crossing"].iloc[0]),
        float(order["at"].iloc[0]),
        threshold,
        crossings={str(n): float(c) for n, c in order["crossing"].items()},
        ranking=ranking,
    )
