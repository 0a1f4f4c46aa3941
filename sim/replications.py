"""Replications of a study: derived seeds, and runs spread over local worker processes.

A study has one seed ``S``. Replication ``i`` runs with :func:`replication_seed` ``(S, i)``,
the seed of the ``i``-th child of ``numpy.random.SeedSequence(S)``: it depends on ``S`` and
``i`` only, not on how many replications the study has, in which order they ran or which
worker ran them. So ``o2csim run --seed S --replication i`` reproduces replication ``i`` of
any study with seed ``S`` on its own, and every pattern of a comparison runs the same
replication seeds (common random numbers).

:func:`run_tasks` runs :class:`ReplicationTask` s through an executor
(:mod:`sim.executors`): in-process (one worker), on spawned local processes, or on the
executor given (a Dask cluster), and returns their :class:`Replication` s in task order.
A replication sends back its metrics and per-replication statistics
(:func:`sim.kpis.replication_statistics`), not its history, unless asked to keep it: a full
baseline history is about 40 MB.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.checks import Verdict
from sim.executors import DEFAULT_START_METHOD, Executor, TaskProgress, local_executor
from sim.history_frame import ACCEPTANCE_EVENTS
from sim.kpis import replication_statistics
from sim.run import RunResult, execute
from sim.scenario import Scenario

__all__ = [
    "DEFAULT_START_METHOD",
    "SEED_BITS",
    "Replication",
    "ReplicationTask",
    "TaskProgress",
    "demand_hash",
    "replicate",
    "replication_seed",
    "run_replications",
    "run_tasks",
]

SEED_BITS = 63
"""A replication seed is a non-negative integer below ``2**63``: it fits a signed 64-bit
column (Parquet, pandas) and JSON readers that use 64-bit integers."""


def replication_seed(seed: int, index: int) -> int:
    """The seed of replication ``index`` of a study with seed ``seed``.

    It is the first 64-bit word of ``SeedSequence(seed).spawn(n)[index].generate_state``
    shifted right by one bit (:data:`SEED_BITS`), for any ``n > index``: a child's spawn key
    is ``(index,)`` whatever ``n`` is, so it is computed here as
    ``SeedSequence(seed, spawn_key=(index,))`` without spawning its siblings.
    """
    if seed < 0:
        raise ValueError(f"the study seed must be a non-negative integer, got {seed}")
    if index < 0:
        raise ValueError(f"a replication index is a non-negative integer, got {index}")
    child = np.random.SeedSequence(seed, spawn_key=(index,))
    word = int(child.generate_state(1, np.uint64)[0])
    return word >> (64 - SEED_BITS)


@dataclass(frozen=True)
class ReplicationTask:
    """One run to make: replication ``index`` of ``scenario`` in a study seeded ``study_seed``."""

    scenario: Scenario
    study_seed: int
    index: int
    keep_history: bool = False
    against_fault_free: bool = False
    check_invariants: bool = False

    @property
    def seed(self) -> int:
        """The run's own seed, :func:`replication_seed` ``(study_seed, index)``."""
        return replication_seed(self.study_seed, self.index)


@dataclass
class Replication:
    """What one replication sends back: its identity, fingerprints, metrics and statistics.

    ``history_hash`` is the SHA-256 of its history (``run.json``'s ``history_sha256`` of the
    same run made on its own); ``demand_hash`` fingerprints the orders it took and
    ``timeline_hash`` its fault timeline, which do not depend on the pattern. ``result`` is
    the whole :class:`~sim.run.RunResult` (history included) only when the task asked to
    keep it; ``invariants`` the checkers' verdicts, computed where the history is, only
    when the task asked for them.
    """

    index: int
    study_seed: int
    seed: int
    pattern: str
    history_hash: str
    history_rows: int
    demand_hash: str
    timeline_hash: str
    metrics: dict[str, Any]
    statistics: dict[str, float]
    wall_seconds: dict[str, float] = field(default_factory=dict)
    result: RunResult | None = None
    invariants: dict[str, Verdict] = field(default_factory=dict)


def demand_hash(result: RunResult) -> str:
    """SHA-256 of the accepted orders (time, order, net value, units), whatever the pattern.

    Vocabulary codes are left out: they number names in order of first use, which a
    pattern changes; the values are what common random numbers keep equal.
    """
    columns = result.history.columns(["event", "time", "order", "value", "value2"])
    codes = [result.history.events.find(event) for event in ACCEPTANCE_EVENTS]
    mask = np.isin(columns["event"], [code for code in codes if code is not None])
    digest = hashlib.sha256()
    for name in ("time", "order", "value", "value2"):
        digest.update(np.ascontiguousarray(columns[name][mask]).tobytes())
    return digest.hexdigest()


def replicate(task: ReplicationTask) -> Replication:
    """Run one task (in whichever process) and summarise it; module-level, so it pickles."""
    result = execute(task.scenario, task.seed, against_fault_free=task.against_fault_free)
    return Replication(
        index=task.index,
        study_seed=task.study_seed,
        seed=result.seed,
        pattern=task.scenario.integration.pattern,
        history_hash=result.history_hash,
        history_rows=len(result.history),
        demand_hash=demand_hash(result),
        timeline_hash=hashlib.sha256(result.timeline.model_dump_json().encode()).hexdigest(),
        metrics=result.metrics,
        statistics=replication_statistics(result),
        wall_seconds=dict(result.wall_seconds),
        result=result if task.keep_history else None,
        invariants=dict(result.invariants) if task.check_invariants else {},
    )


def run_tasks(
    tasks: Sequence[ReplicationTask],
    workers: int = 1,
    progress: TaskProgress | None = None,
    start_method: str = DEFAULT_START_METHOD,
    executor: Executor | None = None,
) -> list[Replication]:
    """Run every task and return the replications in task order.

    ``workers=1`` runs them one after another in this process; more start that many worker
    processes (never more than there are tasks); ``executor`` (a Dask cluster, say) runs
    them instead, and ``workers`` is then ignored. The results are the same either way.
    The first task to fail stops the rest and its exception is raised here.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    chosen = executor or local_executor(max(1, min(workers, len(tasks))), start_method)
    outcomes = chosen.run(replicate, tasks, progress=progress, fail_fast=True)
    return [outcome.unwrap() for outcome in outcomes]


def run_replications(
    scenario: Scenario,
    n: int,
    seed: int | None = None,
    workers: int = 1,
    keep_history: bool = False,
    progress: TaskProgress | None = None,
    against_fault_free: bool = False,
) -> list[Replication]:
    """Replications ``0 .. n-1`` of ``scenario``, in replication order.

    The study seed ``seed`` defaults to the scenario's; ``workers`` local processes run them.
    """
    if n < 1:
        raise ValueError(f"need at least one replication, got {n}")
    study_seed = scenario.seed if seed is None else seed
    tasks = [
        ReplicationTask(scenario, study_seed, index, keep_history, against_fault_free)
        for index in range(n)
    ]
    return run_tasks(tasks, workers, progress)
