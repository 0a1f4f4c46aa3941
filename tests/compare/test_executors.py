"""Executors: local processes and a real Dask LocalCluster give the same sweep, task by task.

One LocalCluster of two worker processes serves every Dask test of this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from sim.compare import grid_sweep
from sim.compare.points import PointsResult, run_points
from sim.executors import (
    DaskExecutor,
    InProcessExecutor,
    ProcessExecutor,
    TaskFailedError,
    TaskOutcome,
)
from sim.replications import ReplicationTask, run_tasks
from tests.compare.sweep_support import GRID, small
from tests.helpers import assert_same_data

SEED = 3
N = 4


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[DaskExecutor]:
    with DaskExecutor.local(2) as executor:
        yield executor  # type: ignore[misc]


@pytest.fixture(scope="module")
def on_processes() -> PointsResult:
    return grid_sweep(small(), GRID, replications=N, seed=SEED, executor=ProcessExecutor(2))


@pytest.fixture(scope="module")
def on_dask(dask_executor: DaskExecutor) -> PointsResult:
    return grid_sweep(small(), GRID, replications=N, seed=SEED, executor=dask_executor)


def _hashes(result: PointsResult) -> list[list[str]]:
    return [[r.history_hash for r in reps] for reps in result.replications]


def test_dask_and_the_process_pool_give_the_same_sweep(
    on_processes: PointsResult, on_dask: PointsResult
) -> None:
    assert on_processes.ran == on_dask.ran == 24 and on_processes.ok and on_dask.ok
    assert on_dask.tidy.equals(on_processes.tidy)
    assert on_dask.verdicts.equals(on_processes.verdicts)
    assert _hashes(on_dask) == _hashes(on_processes)
    # the replications are runs of their own, not copies of one
    assert len({h for reps in _hashes(on_dask) for h in reps}) == 24
    for mine, theirs in zip(on_dask.replications, on_processes.replications, strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert_same_data(a.statistics, b.statistics)


def test_distinct_worker_processes_ran_the_tasks(
    on_processes: PointsResult, on_dask: PointsResult
) -> None:
    for result in (on_processes, on_dask):
        pids = {worker.pid for worker in result.workers.values()}
        assert len(result.workers) == 24
        assert len(pids) >= 2 and os.getpid() not in pids


def test_a_failed_task_is_reported_with_its_seed_and_the_others_finish(
    dask_executor: DaskExecutor,
) -> None:
    good = small()
    broken = good.model_copy(
        update={"integration": good.integration.model_copy(update={"pattern": "nope:X"})}
    )
    points = [({"case": "good"}, good), ({"case": "broken"}, broken)]
    for executor in (InProcessExecutor(), ProcessExecutor(2), dask_executor):
        result = run_points(points, 2, SEED, executor)
        assert not result.ok and result.ran == 4
        assert [f.index for f in result.failures] == [2, 3]
        assert [f.seed for f in result.failures] == [
            ReplicationTask(broken, SEED, i).seed for i in range(2)
        ]
        assert {f.error_type for f in result.failures} == {"UnknownPatternError"}
        assert all("cannot import module 'nope'" in f.traceback for f in result.failures)
        assert len(result.replications[0]) == 2 and result.replications[1] == []
        # the broken point gets no verdict; the good one is judged
        passed = result.verdicts.set_index("case")["passed"]
        assert passed["broken"].isna().all() and passed["good"].notna().all()
        records = result.failure_records()
        assert [r["point"] for r in records] == [{"case": "broken"}] * 2
        assert [r["replication"] for r in records] == [0, 1]


def _explode(task: int) -> int:
    if task == 1:
        raise ValueError("task one fails")
    return task * 10


def test_fail_fast_raises_the_tasks_own_exception_and_run_tasks_keeps_it(
    dask_executor: DaskExecutor,
) -> None:
    for executor in (InProcessExecutor(), dask_executor):
        outcomes: list[TaskOutcome[int]] = executor.run(_explode, [0, 1, 2])
        assert [o.ok for o in outcomes] == [True, False, True]
        assert [o.value for o in outcomes] == [0, None, 20]
        with pytest.raises(ValueError, match="task one fails"):
            executor.run(_explode, [0, 1, 2], fail_fast=True)
    broken = small().model_copy(
        update={"integration": small().integration.model_copy(update={"pattern": "nope:X"})}
    )
    with pytest.raises(KeyError, match="cannot import module 'nope'"):
        run_tasks([ReplicationTask(broken, SEED, 0)], executor=dask_executor)


class _UnpicklableError(Exception):
    def __init__(self, a: int, b: int) -> None:
        super().__init__(f"{a} {b}")
        self.lock = __import__("threading").Lock()


def _unpicklable(task: int) -> int:
    raise _UnpicklableError(task, task)


def test_an_exception_that_cannot_travel_is_kept_as_text() -> None:
    (outcome,) = ProcessExecutor(1).run(_unpicklable, [5])
    assert outcome.failure is not None and outcome.failure.exception is None
    assert outcome.failure.error_type == "_UnpicklableError" and "5 5" in outcome.failure.message
    with pytest.raises(TaskFailedError, match="_UnpicklableError: 5 5"):
        outcome.unwrap()


def test_run_tasks_on_dask_is_run_tasks_in_process(dask_executor: DaskExecutor) -> None:
    tasks = [ReplicationTask(small(), SEED, i) for i in range(2)]
    here = run_tasks(tasks, workers=1)
    there = run_tasks(tasks, executor=dask_executor)
    assert [r.history_hash for r in there] == [r.history_hash for r in here]


def test_a_running_cluster_is_joined_by_its_scheduler_address(
    dask_executor: DaskExecutor,
) -> None:
    address = dask_executor.cluster.scheduler_address
    with DaskExecutor.connect(address) as joined:
        assert joined.workers == 2 and "tcp://" in joined.describe()
        outcomes = joined.run(_explode, [0, 2])
    assert [o.value for o in outcomes] == [0, 20]
    # the joined cluster's own workers ran them, not this process
    assert os.getpid() not in {o.worker.pid for o in outcomes}


def _pid(_task: int) -> int:
    return os.getpid()


def test_a_kept_process_pool_serves_every_run_and_a_plain_one_starts_afresh() -> None:
    plain = ProcessExecutor(2)
    first = {o.unwrap() for o in plain.run(_pid, [0, 1, 2, 3])}
    again = {o.unwrap() for o in plain.run(_pid, [0, 1, 2, 3])}
    assert not first & again  # each run started (and stopped) workers of its own
    kept = ProcessExecutor(2)
    with kept.kept():
        first = {o.unwrap() for o in kept.run(_pid, [0, 1, 2, 3])}
        again = {o.unwrap() for o in kept.run(_pid, [0, 1])}
        assert again <= first and os.getpid() not in first
        with pytest.raises(ValueError, match="task one fails"):
            kept.run(_explode, [0, 1, 2], fail_fast=True)
        # the failed run stopped the kept pool; the next run starts one of its own
        assert [o.unwrap() for o in kept.run(_explode, [0, 2])] == [0, 20]
