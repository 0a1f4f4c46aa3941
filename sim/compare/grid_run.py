"""A grid sweep from Python: the cartesian product of setting values, over common seeds.

``grid_sweep(scenario, {"demand.orders_per_business_day": [60, 120]}, replications=3)``
returns a :class:`~sim.compare.points.PointsResult` whose ``tidy`` DataFrame has one row per
grid point x replication x KPI (a column per grid key, then ``replication``, ``seed``,
``kpi``, ``value``) and whose ``verdicts`` hold each point's SLA verdicts across its
replications. ``o2csim sweep`` is this function with files and a printed table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.compare.cache import TaskCache
from sim.compare.grid import grid_points
from sim.compare.points import PointsResult, run_points
from sim.executors import Executor, TaskProgress, local_executor
from sim.scenario import Scenario

__all__ = ["grid_sweep"]


def grid_sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    replications: int = 5,
    seed: int | None = None,
    executor: Executor | None = None,
    workers: int = 1,
    cache: Path | TaskCache | None = None,
    progress: TaskProgress | None = None,
) -> PointsResult:
    """Run replications ``0 .. replications-1`` at every point of ``grid`` over ``scenario``.

    ``grid`` maps dotted keys (as ``--set`` takes them) to their values; the first key
    varies slowest. ``seed`` is the study seed (default: the scenario's). Tasks run on
    ``executor`` when given (a :class:`~sim.executors.DaskExecutor`, say), else on
    ``workers`` local processes. ``cache`` (a folder or a :class:`TaskCache`) keeps finished
    tasks, so a sweep run again with the same arguments runs only what is missing. Raises
    :class:`~sim.compare.grid.GridError` naming the key for a bad key or value, before
    anything runs.
    """
    points = grid_points(scenario, grid)
    study_seed = scenario.seed if seed is None else seed
    if study_seed < 0:
        raise ValueError(f"the study seed must be a non-negative integer, got {study_seed}")
    store = TaskCache(cache) if isinstance(cache, Path) else cache
    runner = executor or local_executor(max(1, min(workers, len(points) * replications)))
    return run_points(points, replications, study_seed, runner, store, progress)
