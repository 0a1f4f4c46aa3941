"""Which executor a command runs on: ``--workers N``, ``--dask [N]`` or ``--scheduler ADDR``."""

from __future__ import annotations

from sim.executors.base import Executor
from sim.executors.local import DEFAULT_START_METHOD, InProcessExecutor, ProcessExecutor

__all__ = ["local_executor", "make_executor"]


def local_executor(workers: int, start_method: str = DEFAULT_START_METHOD) -> Executor:
    """In this process for one worker, else a pool of ``workers`` spawned processes."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return InProcessExecutor() if workers == 1 else ProcessExecutor(workers, start_method)


def make_executor(
    workers: int = 1, dask_workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """The executor asked for: a Dask cluster (joined or started) or local processes.

    ``scheduler`` joins a running cluster; ``dask_workers`` starts a ``LocalCluster`` of
    that many processes; otherwise ``workers`` local processes. Dask's absence raises
    :class:`sim.executors.DaskUnavailableError`.
    """
    from sim.executors.dask_cluster import DaskExecutor

    if scheduler is not None:
        return DaskExecutor.connect(scheduler)
    if dask_workers is not None:
        return DaskExecutor.local(dask_workers)
    return local_executor(workers)
