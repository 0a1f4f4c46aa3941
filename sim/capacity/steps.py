"""One step of a capacity search: a multiplier, its replications and what they show.

A step runs replications ``0 .. n-1`` of the scaled scenario on the study's replication
seeds (the same at every step: common random numbers), judges every gate of the scenario
(SLA targets and threshold lines) across them with the rule of :mod:`sim.verdicts`, and
keeps the mean over replications of each hourly series of the runs' metrics
(``resource_hourly`` and the ``awaiting_erp_order`` backlog): the step's :attr:`series`.
A search may pass steps on some of the gates only (:func:`sim.verdicts.gate_names`); the
others are judged and reported beside them.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.replications import Replication
from sim.scenario import Scenario
from sim.verdicts import gate_names, replicated_sla_verdicts, replicated_threshold_verdicts

__all__ = [
    "BACKLOG",
    "LOAD",
    "SERIES_COLUMNS",
    "CapacityStep",
    "check_gates",
    "judge_step",
    "step_series",
]

SERIES_COLUMNS = ("multiplier", "time_h", "resource", "figure", "value")
"""Columns of a step's series (tidy: one row per hour, resource and figure)."""

LOAD = "orders"
"""The ``resource`` of the run-wide series: ``accepted`` and ``retries`` per hour."""

BACKLOG = "backlog:awaiting_erp_order"
"""The ``resource`` of the backlog series: orders accepted and not yet created in the ERP
(figure ``queue``: the count at each hour's start)."""


@dataclass(frozen=True)
class CapacityStep:
    """What one multiplier showed across its replications.

    ``gates`` maps each SLA target and threshold line to its verdict across replications
    (``passed``, ``bound`` compared with ``limit``, ``mean``) and whether it decides the
    step (``gating``); ``failed`` names the gating ones that did not hold, ``passed`` says
    none did. ``resources`` holds per resource the mean over replications of its busiest
    hour's utilisation, its mean utilisation and its busiest hour's queue.
    """

    multiplier: float
    passed: bool
    gates: dict[str, dict[str, Any]]
    failed: tuple[str, ...]
    resources: dict[str, dict[str, float]]
    orders_accepted: float
    series: pd.DataFrame

    @property
    def failed_not_gating(self) -> tuple[str, ...]:
        """Gates that did not hold but do not decide the step (the search left them out)."""
        return tuple(
            name for name, gate in self.gates.items() if not gate["passed"] and not gate["gating"]
        )

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (the series goes to Parquet, not here)."""
        return {
            "multiplier": self.multiplier,
            "passed": self.passed,
            "failed": list(self.failed),
            "orders_accepted": self.orders_accepted,
            "gates": self.gates,
            "resources": self.resources,
        }


def check_gates(scenario: Scenario, gates: Collection[str]) -> None:
    """Refuse gate names the scenario does not have (ValueError naming the ones it has)."""
    known = gate_names(scenario)
    unknown = [name for name in gates if name not in known]
    if unknown:
        raise ValueError(
            f"{scenario.name} has no gate {', '.join(map(repr, unknown))}; its gates: "
            f"{', '.join(known) or 'none'}"
        )


def _gates(
    scenario: Scenario, metrics: Sequence[Mapping[str, Any]], gating: Collection[str]
) -> dict[str, dict[str, Any]]:
    """Every gate's verdict; ``gating`` (empty: all) decide the step and share its alpha.

    The family-wise alpha is split among the gates that decide (Bonferroni over them, as
    :func:`sim.verdicts.gate_count` does over all); the others are judged with the same
    share, for the record.
    """
    names = gate_names(scenario)
    deciding = set(gating or names)
    k = len(deciding)
    gates: dict[str, dict[str, Any]] = {}
    for name, verdict in replicated_sla_verdicts(metrics, scenario.slas, k).items():
        gates[name] = {
            "passed": verdict.passed,
            "bound": verdict.upper_bound,
            "limit": verdict.max_s,
            "mean": verdict.mean,
            "kind": f"p{verdict.percentile:g} latency (s)",
            "gating": name in deciding,
        }
    for line, threshold in replicated_threshold_verdicts(metrics, scenario.thresholds, k).items():
        gates[line] = {
            "passed": threshold.passed,
            "bound": threshold.bound,
            "limit": threshold.limit,
            "mean": threshold.mean,
            "kind": "threshold",
            "gating": line in deciding,
        }
    return gates


def _mean(arrays: Sequence[Sequence[float | None]]) -> np.ndarray:
    """Mean over replications of equally long series (None and NaN left out)."""
    stacked = np.array(
        [[math.nan if v is None else v for v in values] for values in arrays], dtype=float
    )
    if stacked.size == 0 or np.isnan(stacked).all(axis=0).all():
        return np.full(stacked.shape[1] if stacked.ndim == 2 else 0, math.nan)
    with np.errstate(invalid="ignore"):
        counts = (~np.isnan(stacked)).sum(axis=0)
        total = np.nansum(stacked, axis=0)
        return np.where(counts > 0, total / np.maximum(counts, 1), math.nan)


def step_series(multiplier: float, metrics: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The tidy hourly series of a step: mean over its replications' metrics."""
    hourly = [m["resource_hourly"] for m in metrics]
    time_h = np.asarray(hourly[0]["time_h"], dtype=float)
    parts: list[tuple[str, str, np.ndarray]] = [
        (LOAD, "accepted", _mean([h["accepted"] for h in hourly])),
        (LOAD, "retries", _mean([h["retries"] for h in hourly])),
    ]
    for name in hourly[0]["utilisation"]:
        parts.append((name, "utilisation", _mean([h["utilisation"][name] for h in hourly])))
        if name in hourly[0]["queue"]:
            parts.append((name, "queue", _mean([h["queue"][name] for h in hourly])))
    backlog = [m["backlog_age"]["hourly"]["awaiting_erp_order.count"] for m in metrics]
    # backlog ticks are every hour's start and the run's end: one more than the buckets
    parts.append((BACKLOG, "queue", _mean([b[: time_h.size] for b in backlog])))
    size = time_h.size
    frame = pd.DataFrame(
        {
            "multiplier": np.full(size * len(parts), float(multiplier)),
            "time_h": np.tile(time_h, len(parts)),
            "resource": np.repeat([p[0] for p in parts], size),
            "figure": np.repeat([p[1] for p in parts], size),
            "value": np.concatenate([p[2] for p in parts]) if parts else np.empty(0),
        }
    )
    return frame.astype({"resource": "string", "figure": "string"})


def _resources(metrics: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    names = sorted(metrics[0]["resources"])
    figures = ("peak_hour_utilisation", "mean_utilisation", "peak_hour_queue")
    return {
        name: {
            figure: float(_mean([[m["resources"].get(name, {}).get(figure)] for m in metrics])[0])
            for figure in figures
        }
        | {"servers": float(metrics[0]["resources"][name]["servers"])}
        for name in names
    }


def judge_step(
    scenario: Scenario,
    multiplier: float,
    replications: Sequence[Replication],
    gating: Collection[str] = (),
) -> CapacityStep:
    """Judge ``scenario`` scaled by ``multiplier`` from its ``replications``' metrics.

    ``scenario`` is the unscaled one: its gates are those of every step. ``gating`` names
    the gates that decide the step (:func:`sim.verdicts.gate_names`; empty: every one).
    """
    metrics = [r.metrics for r in replications]
    gates = _gates(scenario, metrics, gating)
    failed = tuple(name for name, gate in gates.items() if gate["gating"] and not gate["passed"])
    accepted = float(np.mean([m["volume"]["orders_accepted"] for m in metrics]))
    return CapacityStep(
        multiplier=float(multiplier),
        passed=not failed,
        gates=gates,
        failed=failed,
        resources=_resources(metrics),
        orders_accepted=accepted,
        series=step_series(multiplier, metrics),
    )
