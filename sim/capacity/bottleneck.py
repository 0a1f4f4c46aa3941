"""The bottleneck: the resource whose busiest hour saturates first as the load rises.

Across the steps in ascending multiplier, each resource's busiest-hour utilisation (mean
over the step's replications, from the history's hourly series) is a curve. A resource
*crosses* at the multiplier where that curve first reaches the saturation threshold,
interpolated linearly between the last step below it and the first step at or above it
(at the first step itself when no step lies below). The bottleneck is the resource that
crosses at the lowest multiplier; a tie goes to the higher utilisation at the crossing
step, then to the name. When no resource crosses within the steps, the bottleneck is the
busiest resource at the highest step, reported as not saturated: it is the one nearest to
saturation, not a proven limit.
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


def _crossings(table: pd.DataFrame, threshold: float) -> tuple[pd.Series, pd.Series]:
    """Per resource: the interpolated crossing multiplier and the utilisation there.

    The utilisation is that of the first step at or above ``threshold``; both are NaN for
    resources that never reach it.
    """
    values = table.to_numpy(dtype=float)
    multipliers = table.index.to_numpy(dtype=float)
    above = np.nan_to_num(values, nan=-np.inf) >= threshold
    reached = above.any(axis=0)
    first = np.argmax(above, axis=0)
    columns = np.arange(values.shape[1])
    at = values[first, columns]
    previous = np.maximum(first - 1, 0)
    before = values[previous, columns]
    m_hi, m_lo = multipliers[first], multipliers[previous]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(at > before, (threshold - before) / (at - before), 1.0)
    interpolated = np.where(
        (first > 0) & np.isfinite(before), m_lo + np.clip(share, 0, 1) * (m_hi - m_lo), m_hi
    )
    crossing = np.where(reached, interpolated, np.nan)
    return (
        pd.Series(crossing, index=table.columns),
        pd.Series(np.where(reached, at, np.nan), index=table.columns),
    )


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
