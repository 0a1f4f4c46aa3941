"""Run a sweep's points: replications on common seeds, cached, on any executor.

A point is a ``{column: value}`` label and the scenario to run there (a grid point, or one
assumption at one factor). :func:`run_points` runs replications ``0 .. n-1`` of every point
with seeds ``replication_seed(S, i)``, so points differ only in what their scenarios change
(common random numbers). Finished tasks found in the :class:`~sim.compare.cache.TaskCache`
are not run again; every task that finishes is stored there as it arrives. A task that
fails is a :class:`~sim.executors.TaskFailure` in :attr:`PointsResult.failures`; the other
tasks still finish and are reported.

:class:`PointsResult` holds the tidy table (one row per point x replication x KPI, a column
per label), the verdict table (one row per point and gate: SLA targets and threshold lines,
judged across the point's replications with the rule of :mod:`sim.verdicts`; a point with
a failed task has no verdict, since its missing runs could be the ones that fail), the
failures, and which worker ran each task.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.compare.cache import TaskCache
from sim.executors import (
    Executor,
    InProcessExecutor,
    TaskFailure,
    TaskOutcome,
    TaskProgress,
    WorkerInfo,
)
from sim.replications import Replication, ReplicationTask, replicate
from sim.scenario import Scenario
from sim.scenario.thresholds import parse_threshold
from sim.verdicts import gate_count, replicated_sla_verdicts, replicated_threshold_verdicts

__all__ = ["VERDICT_COLUMNS", "Point", "PointsResult", "label_column", "run_points"]

VERDICT_COLUMNS = (
    "gate",
    "kind",
    "target",
    "n",
    "mean",
    "half_width",
    "bound",
    "passed",
)
"""Columns of :attr:`PointsResult.verdicts` after the label columns."""

Point = tuple[dict[str, Any], Scenario]
"""A point's labels and its scenario."""


@dataclass
class PointsResult:
    """What a sweep's points gave: tidy KPIs, verdicts, failures and where tasks ran.

    ``replications[p]`` lists point ``p``'s finished replications in replication order;
    ``workers`` maps each task (point, replication) that ran now to its worker; ``ran`` and
    ``cached`` count the tasks run now and found in the cache.
    """

    labels: list[dict[str, Any]]
    tidy: pd.DataFrame
    verdicts: pd.DataFrame
    failures: list[TaskFailure]
    replications: list[list[Replication]]
    workers: dict[tuple[int, int], WorkerInfo] = field(default_factory=dict)
    ran: int = 0
    cached: int = 0
    study_seed: int = 0
    per_point: int = 1

    @property
    def ok(self) -> bool:
        """True when every task finished."""
        return not self.failures

    def failure_records(self) -> list[dict[str, Any]]:
        """The failures as JSON-ready records, each with its point's labels."""
        records = []
        for failure in self.failures:
            point, replication = divmod(failure.index, self.per_point)
            records.append(
                {
                    "point": {k: _json_value(v) for k, v in self.labels[point].items()},
                    "replication": replication,
                    **failure.to_dict(),
                }
            )
        return records


def _json_value(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def label_column(values: Sequence[Any]) -> pd.Series:
    """A label column with one dtype: integers, floats, booleans, else text."""
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="boolean")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="int64")
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="float64")
    return pd.Series([v if isinstance(v, str) else repr(v) for v in values], dtype="string")


def _tidy(labels: list[dict[str, Any]], replications: list[list[Replication]]) -> pd.DataFrame:
    kpis = list(dict.fromkeys(k for reps in replications for r in reps for k in r.statistics))
    point_of = [p for p, reps in enumerate(replications) for _ in reps]
    rows = [r for reps in replications for r in reps]
    values = np.array(
        [[r.statistics.get(kpi, math.nan) for kpi in kpis] for r in rows], dtype=np.float64
    ).reshape(len(rows), len(kpis))
    repeat = len(kpis)
    columns = {name: label_column([labels[p][name] for p in point_of]) for name in labels[0]}
    frame = pd.DataFrame(
        {name: col.repeat(repeat).reset_index(drop=True) for name, col in columns.items()}
    )
    frame["replication"] = np.repeat(np.array([r.index for r in rows], dtype=np.int64), repeat)
    frame["seed"] = np.repeat(np.array([r.seed for r in rows], dtype=np.int64), repeat)
    frame["kpi"] = pd.Series(np.tile(np.array(kpis, dtype=object), len(rows)), dtype="string")
    frame["value"] = values.ravel()
    return frame


def _verdict_rows(
    label: dict[str, Any], scenario: Scenario, reps: list[Replication], complete: bool
) -> list[dict[str, Any]]:
    """One row per gate of ``scenario`` at one point (``passed`` missing when incomplete)."""
    sla = {m: f"p{t.percentile:g} <= {t.max_s:g} s" for m, t in sorted(scenario.slas.items())}
    gates = [(m, "sla", text) for m, text in sla.items()]
    lines = [parse_threshold(line).text for line in scenario.thresholds]
    gates += [(line, "threshold", line) for line in lines]
    judged: dict[str, tuple[int, float, float, float, bool]] = {}
    if complete and len(reps) >= 2:
        k = gate_count(scenario)
        metrics = [r.metrics for r in reps]
        for metric, v in replicated_sla_verdicts(metrics, scenario.slas, k).items():
            judged[metric] = (v.n, v.mean, v.half_width, v.upper_bound, v.passed)
        for line, t in replicated_threshold_verdicts(metrics, scenario.thresholds, k).items():
            judged[line] = (t.n, t.mean, t.half_width, t.bound, t.passed)
    missing = (len(reps), math.nan, math.nan, math.nan, None)
    rows = []
    for gate, kind, text in gates:
        n, mean, half, bound, passed = judged.get(gate, missing)
        rows.append(
            {
                **label,
                "gate": gate,
                "kind": kind,
                "target": text,
                "n": n,
                "mean": mean,
                "half_width": half,
                "bound": bound,
                "passed": passed,
            }
        )
    return rows


def _verdicts(
    labels: list[dict[str, Any]],
    points: Sequence[Point],
    replications: list[list[Replication]],
    n: int,
) -> pd.DataFrame:
    rows = [
        row
        for p, (_, scenario) in enumerate(points)
        for row in _verdict_rows(labels[p], scenario, replications[p], len(replications[p]) == n)
    ]
    frame = pd.DataFrame.from_records(rows, columns=[*labels[0], *VERDICT_COLUMNS])
    for name in labels[0]:
        frame[name] = label_column(list(frame[name])) if len(frame) else frame[name]
    return frame.astype(
        {
            "gate": "string",
            "kind": "string",
            "target": "string",
            "n": "int64",
            "mean": "float64",
            "half_width": "float64",
            "bound": "float64",
            "passed": "boolean",
        }
    )


def run_points(
    points: Sequence[Point],
    replications: int,
    seed: int,
    executor: Executor | None = None,
    cache: TaskCache | None = None,
    progress: TaskProgress | None = None,
) -> PointsResult:
    """Run replications ``0 .. replications-1`` of every point on seeds derived from ``seed``.

    Tasks are ordered point by point, replication within point; task ``p * n + i`` is
    replication ``i`` of point ``p``. ``executor`` defaults to this process; ``cache``
    (default: none) supplies finished tasks and keeps the new ones.
    """
    if not points:
        raise ValueError("expected at least one point")
    if replications < 1:
        raise ValueError(f"expected at least one replication, got {replications}")
    labels = [dict(label) for label, _ in points]
    if any(list(label) != list(labels[0]) for label in labels):
        raise ValueError("every point needs the same label columns, in the same order")
    tasks = [
        ReplicationTask(scenario, seed, index)
        for _, scenario in points
        for index in range(replications)
    ]
    found: dict[int, Replication] = {}
    if cache is not None:
        for position, task in enumerate(tasks):
            hit = cache.get(task)
            if hit is not None:
                found[position] = hit
    missing = [position for position in range(len(tasks)) if position not in found]
    total = len(tasks)

    def store(outcome: TaskOutcome[Any]) -> None:
        if cache is not None and outcome.value is not None:
            cache.put(tasks[missing[outcome.index]], outcome.value)

    def report(done: int, _of: int) -> None:
        if progress is not None:
            progress(len(found) + done, total)

    if progress is not None and found:
        progress(len(found), total)
    runner = executor or InProcessExecutor()
    outcomes = runner.run(replicate, [tasks[p] for p in missing], report, store)
    failures: list[TaskFailure] = []
    workers: dict[tuple[int, int], WorkerInfo] = {}
    for outcome in outcomes:
        position = missing[outcome.index]
        workers[divmod(position, replications)] = outcome.worker
        if outcome.ok and outcome.value is not None:
            found[position] = outcome.value
        elif outcome.failure is not None:
            failures.append(_renumbered(outcome.failure, position))
    by_point = [
        [found[p * replications + i] for i in range(replications) if p * replications + i in found]
        for p in range(len(points))
    ]
    tidy = _tidy(labels, by_point)
    return PointsResult(
        labels=labels,
        tidy=tidy,
        verdicts=_verdicts(labels, points, by_point, replications),
        failures=failures,
        replications=by_point,
        workers=workers,
        ran=len(missing),
        cached=total - len(missing),
        study_seed=seed,
        per_point=replications,
    )


def _renumbered(failure: TaskFailure, position: int) -> TaskFailure:
    """``failure`` numbered by its place among all the sweep's tasks."""
    return TaskFailure(
        position,
        failure.seed,
        failure.error_type,
        failure.message,
        failure.traceback,
        failure.worker,
        failure.exception,
    )
