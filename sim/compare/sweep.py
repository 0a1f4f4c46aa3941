"""A sweep: one pattern's scenario at several levels (of load, say), over common seeds.

Capacity planning asks how the SLAs, the queues and the busy share of each resource move
as demand grows. :func:`sweep` runs replications ``0 .. n-1`` of each level's scenario with
the same replication seeds (:func:`sim.replications.replication_seed`), all in one pool of
workers, and returns a :class:`SweepResult`: a tidy table with a ``level`` column, each
level's SLA verdicts across replications (the rule of :mod:`sim.verdicts`), and the
replications by level. A level is a label and the scenario to run at it, e.g.
``{"x1": base, "x3": tripled}``, built with ``load_scenario(path, overrides)``.

``SweepResult.sla`` has the shape :func:`sim.report.plots.plot_sla_compliance` and
:func:`sim.report.plots.sla_table` take, with levels where a comparison has patterns, and
``results_by_pattern(sweep.replications)`` gives ``{level: RunResult}`` of the levels whose
runs were kept.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from sim.compare.stats import LEVEL, interval_cell
from sim.replications import Replication, ReplicationTask, TaskProgress, run_tasks
from sim.scenario import Scenario
from sim.verdicts import SlaVerdict, gate_count, replicated_sla_verdicts

__all__ = ["SWEEP_COLUMNS", "SweepResult", "sweep"]

SWEEP_COLUMNS = ("level", "replication", "seed", "kpi", "value")
"""Columns of :attr:`SweepResult.tidy`."""


@dataclass
class SweepResult:
    """A sweep's data: the tidy table, SLA verdicts per level and the replications by level.

    ``tidy`` has one row per level x replication x KPI (:func:`sim.kpis.replication_statistics`);
    ``sla`` is ``{level: {metric: SlaVerdict}}``, judged across the level's replications.
    """

    tidy: pd.DataFrame
    sla: dict[str, dict[str, SlaVerdict]]
    replications: dict[str, list[Replication]] = field(default_factory=dict)

    @property
    def levels(self) -> list[str]:
        """The levels, in the order they were given."""
        return list(self.replications)

    def intervals(self, kpis: Sequence[str] | None = None, level: float = LEVEL) -> pd.DataFrame:
        """Per level and KPI, the mean across replications with its ``level`` t interval.

        Rows are indexed by (``level``, ``kpi``), columns ``mean``, ``half_width``, ``low``,
        ``high`` and ``n`` (:func:`sim.compare.interval_cell`: no interval when a value is
        not finite). ``kpis`` defaults to every KPI.
        """
        chosen = list(dict.fromkeys(self.tidy["kpi"])) if kpis is None else list(kpis)
        records = []
        for label in self.levels:
            mine = self.tidy[self.tidy["level"] == label]
            for kpi in chosen:
                values = mine.loc[mine["kpi"] == kpi, "value"].to_numpy(dtype=float)
                if not values.size:
                    raise KeyError(f"no KPI {kpi!r} in the sweep")
                records.append({"level": label, "kpi": kpi, **interval_cell(values, level)})
        return pd.DataFrame.from_records(records).set_index(["level", "kpi"])

    def single_run_passes(self) -> pd.DataFrame:
        """Per level (rows) and SLA (columns): how many single runs met the target alone.

        A single run's verdict is one sample; the verdicts in :attr:`sla` are the ones to act
        on. The column ``runs`` holds each level's number of replications.
        """
        records = []
        for label, reps in self.replications.items():
            row: dict[str, object] = {"level": label, "runs": len(reps)}
            for metric in self.sla[label]:
                row[metric] = sum(bool(r.metrics["sla"][metric]["passed"]) for r in reps)
            records.append(row)
        return pd.DataFrame.from_records(records).set_index("level")


def _tidy(by_level: Mapping[str, list[Replication]]) -> pd.DataFrame:
    kpis = list(dict.fromkeys(k for reps in by_level.values() for r in reps for k in r.statistics))
    records = [
        (label, rep.index, rep.seed, kpi, rep.statistics.get(kpi, float("nan")))
        for label, reps in by_level.items()
        for rep in reps
        for kpi in kpis
    ]
    frame = pd.DataFrame.from_records(records, columns=list(SWEEP_COLUMNS))
    return frame.astype(
        {"level": "string", "replication": "int64", "seed": "int64", "kpi": "string"}
    )


def sweep(
    levels: Mapping[str, Scenario],
    replications: int = 5,
    seed: int | None = None,
    workers: int = 1,
    keep_history: bool | Collection[str] = False,
    progress: TaskProgress | None = None,
) -> SweepResult:
    """Run ``replications`` of each level's scenario, every level on the same seeds.

    ``seed`` is the study seed (default: the first level's scenario seed); replication ``i``
    of every level runs with ``replication_seed(seed, i)``, so the levels differ only in
    what their scenarios change. ``keep_history`` keeps whole runs, for every level
    (``True``) or for the levels named (a baseline history is about 40 MB). All runs share
    one pool of ``workers`` processes; the result does not depend on ``workers``.
    """
    if not levels:
        raise ValueError("expected at least one level")
    if replications < 2:
        raise ValueError(
            f"expected at least 2 replications for a verdict across them, got {replications}"
        )
    kept = set(levels) if keep_history is True else set(keep_history or ())
    unknown = sorted(kept - set(levels))
    if unknown:
        raise ValueError(f"keep_history names levels the sweep does not have: {unknown}")
    study_seed = next(iter(levels.values())).seed if seed is None else seed
    tasks = [
        ReplicationTask(scenario, study_seed, index, keep_history=label in kept)
        for label, scenario in levels.items()
        for index in range(replications)
    ]
    done = run_tasks(tasks, workers, progress)
    by_level = {
        label: done[position * replications : (position + 1) * replications]
        for position, label in enumerate(levels)
    }
    sla = {
        label: replicated_sla_verdicts(
            [r.metrics for r in by_level[label]], scenario.slas, gate_count(scenario)
        )
        for label, scenario in levels.items()
    }
    return SweepResult(tidy=_tidy(by_level), sla=sla, replications=by_level)
