"""Compare integration patterns on one scenario, over replications with common seeds.

:func:`compare` runs replication ``i`` of every pattern with the same seed
(:func:`sim.replications.replication_seed`), so every pattern takes the same orders and
meets the same fault timeline; only the integration differs. It returns a
:class:`CompareResult`: a tidy table (one row per pattern x replication x KPI) and a summary
of each KPI's mean with its 95% interval, the paired difference from the reference pattern,
and each pattern's SLA verdicts under the rule of :mod:`sim.verdicts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.compare.costs import UnitCosts, cost_per_order
from sim.compare.stats import LEVEL, holm_adjust, interval_cell, paired_difference
from sim.integration.patterns.registry import (
    UnknownPatternError,
    builtin_pattern_names,
    pattern_class,
)
from sim.replications import (
    Replication,
    ReplicationTask,
    TaskProgress,
    replication_seed,
    run_tasks,
)
from sim.scenario import Scenario
from sim.verdicts import (
    FAMILY_ALPHA,
    gate_count,
    replicated_sla_verdicts,
    replicated_threshold_verdicts,
)

__all__ = [
    "DEFAULT_REFERENCE",
    "TIDY_COLUMNS",
    "CompareError",
    "CompareResult",
    "compare",
    "resolve_patterns",
    "resolve_reference",
    "with_pattern",
]

DEFAULT_REFERENCE = "hybrid"
"""The pattern others are compared with, when it is among them."""

TIDY_COLUMNS = ("pattern", "replication", "seed", "kpi", "value")
"""Columns of :attr:`CompareResult.tidy`."""


class CompareError(ValueError):
    """A comparison that cannot run as asked; ``option`` names what to change."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass
class CompareResult:
    """A comparison's data: the tidy table, the summary and the replications by pattern.

    ``tidy`` has one row per pattern x replication x KPI; ``summary`` is JSON-ready apart
    from NaN and infinities.
    """

    tidy: pd.DataFrame
    summary: dict[str, Any]
    replications: dict[str, list[Replication]] = field(default_factory=dict)


def resolve_patterns(specs: Sequence[str] | None) -> dict[str, str]:
    """``{label: spec}``: each pattern's registered name and the string that names it.

    A spec is a name, an import path or an entry point; the order is kept. ``None`` means
    every built-in. Raises :class:`CompareError` for an unknown or repeated pattern.
    """
    chosen = list(builtin_pattern_names() if specs is None else specs)
    if not chosen:
        raise CompareError("patterns", "expected at least one pattern")
    resolved: dict[str, str] = {}
    for spec in chosen:
        try:
            label = pattern_class(spec).name
        except UnknownPatternError as exc:
            raise CompareError("patterns", str(exc.args[0])) from None
        if label in resolved:
            raise CompareError(
                "patterns", f"{spec!r} is pattern {label!r}, already listed as {resolved[label]!r}"
            )
        resolved[label] = spec
    return resolved


def with_pattern(scenario: Scenario, spec: str) -> Scenario:
    """``scenario`` with ``integration.pattern`` set to ``spec``, all else unchanged."""
    if scenario.integration.pattern == spec:
        return scenario
    integration = scenario.integration.model_copy(update={"pattern": spec})
    return scenario.model_copy(update={"integration": integration})


def resolve_reference(labels: dict[str, str], reference: str | None) -> str:
    """The label of the reference pattern among ``labels`` (see :func:`compare`)."""
    if reference is None:
        return DEFAULT_REFERENCE if DEFAULT_REFERENCE in labels else next(iter(labels))
    for label, spec in labels.items():
        if reference in (label, spec):
            return label
    raise CompareError(
        "reference", f"{reference!r} is not among the patterns compared: {', '.join(labels)}"
    )


def _tidy(by_pattern: dict[str, list[Replication]], kpis: list[str]) -> pd.DataFrame:
    records = [
        (label, rep.index, rep.seed, kpi, rep.statistics.get(kpi, float("nan")))
        for label, reps in by_pattern.items()
        for rep in reps
        for kpi in kpis
    ]
    frame = pd.DataFrame.from_records(records, columns=list(TIDY_COLUMNS))
    return frame.astype(
        {"pattern": "string", "replication": "int64", "seed": "int64", "kpi": "string"}
    )


def _values(reps: list[Replication], kpi: str) -> list[float]:
    return [rep.statistics.get(kpi, float("nan")) for rep in reps]


def _summary(
    scenario: Scenario,
    labels: dict[str, str],
    reference: str,
    by_pattern: dict[str, list[Replication]],
    kpis: list[str],
    costs: UnitCosts,
    study_seed: int,
) -> dict[str, Any]:
    n = len(next(iter(by_pattern.values())))
    base = by_pattern[reference]
    k = gate_count(scenario)
    sla = {
        label: replicated_sla_verdicts([r.metrics for r in reps], scenario.slas, k)
        for label, reps in by_pattern.items()
    }
    differences = {
        label: {kpi: paired_difference(_values(reps, kpi), _values(base, kpi)) for kpi in kpis}
        for label, reps in by_pattern.items()
        if label != reference
    }
    for cells in differences.values():
        holm_adjust(cells)
    thresholds = {
        label: replicated_threshold_verdicts([r.metrics for r in reps], scenario.thresholds, k)
        for label, reps in by_pattern.items()
    }
    return {
        "scenario": scenario.name,
        "study_seed": study_seed,
        "replications": n,
        "replication_seeds": [replication_seed(study_seed, i) for i in range(n)],
        "patterns": list(labels),
        "pattern_specs": dict(labels),
        "reference": reference,
        "level": LEVEL,
        "costs": costs.model_dump(mode="json"),
        "common_random_numbers": {
            "same_orders": all(
                len({by_pattern[p][i].demand_hash for p in labels}) == 1 for i in range(n)
            ),
            "same_fault_timeline": all(
                len({by_pattern[p][i].timeline_hash for p in labels}) == 1 for i in range(n)
            ),
        },
        "kpis": {
            label: {kpi: interval_cell(_values(reps, kpi)) for kpi in kpis}
            for label, reps in by_pattern.items()
        },
        "differences": differences,
        "sla_rule": {
            "statistic": "each replication's percentile of the target, unfinished = infinite",
            "bound": "one-sided upper t bound of the mean, n - 1 degrees of freedom",
            "family_alpha": FAMILY_ALPHA,
            "bonferroni_k": k,
            "thresholds": "the same bound on the line's figure: upper for < and <=, lower for "
            "> and >=; == only when every replication equals the limit",
        },
        "sla": {
            label: {metric: v.to_dict() for metric, v in verdicts.items()}
            for label, verdicts in sla.items()
        },
        "thresholds": {
            label: {line: v.to_dict() for line, v in verdicts.items()}
            for label, verdicts in thresholds.items()
        },
        "sla_passed": {
            label: all(v.passed for v in sla[label].values())
            and all(v.passed for v in thresholds[label].values())
            for label in by_pattern
        },
        "single_run_sla_passed": {
            label: [
                all(v["passed"] for v in r.metrics["sla"].values())
                and all(v["passed"] for v in r.metrics.get("thresholds", {}).values())
                for r in reps
            ]
            for label, reps in by_pattern.items()
        },
        "history_sha256": {
            label: [r.history_hash for r in reps] for label, reps in by_pattern.items()
        },
    }


def compare(
    scenario: Scenario,
    patterns: Sequence[str] | None = None,
    replications: int = 5,
    seed: int | None = None,
    workers: int = 1,
    reference: str | None = None,
    costs: UnitCosts | None = None,
    keep_history: bool = False,
    progress: TaskProgress | None = None,
    against_fault_free: bool = False,
) -> CompareResult:
    """Run replications of ``scenario`` under each of ``patterns`` and compare them.

    ``patterns`` are names, import paths or entry points (default: every built-in).

    Replication ``i`` of every pattern runs with ``replication_seed(seed, i)`` (``seed``
    defaults to the scenario's). All runs share one pool of ``workers`` processes; the
    result does not depend on ``workers``. ``reference`` (default ``hybrid`` when compared,
    else the first pattern) is the pattern the paired differences are taken from.
    ``keep_history`` keeps every run whole in the replications (memory: a baseline history
    is about 40 MB); ``against_fault_free`` also runs each without its faults
    (:func:`sim.run.execute`).
    """
    if replications < 2:
        raise CompareError(
            "replications",
            f"expected at least 2 replications for a confidence interval, got {replications}",
        )
    if workers < 1:
        raise CompareError("workers", f"expected at least 1 worker, got {workers}")
    labels = resolve_patterns(patterns)
    ref = resolve_reference(labels, reference)
    costs = costs or UnitCosts()
    study_seed = scenario.seed if seed is None else seed
    if study_seed < 0:
        raise CompareError("seed", f"expected a non-negative integer, got {study_seed}")
    tasks = [
        ReplicationTask(
            with_pattern(scenario, spec), study_seed, index, keep_history, against_fault_free
        )
        for spec in labels.values()
        for index in range(replications)
    ]
    done = run_tasks(tasks, workers, progress)
    by_pattern = {
        label: done[position * replications : (position + 1) * replications]
        for position, label in enumerate(labels)
    }
    for label, reps in by_pattern.items():
        for rep in reps:
            rep.statistics["cost_per_order"] = cost_per_order(rep.statistics, costs, label)
    kpis = list(by_pattern[ref][0].statistics)
    summary = _summary(scenario, labels, ref, by_pattern, kpis, costs, study_seed)
    return CompareResult(tidy=_tidy(by_pattern, kpis), summary=summary, replications=by_pattern)
