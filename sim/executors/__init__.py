"""Executors behind one interface: in-process, local processes, Dask distributed.

Every executor takes a module-level function and a list of tasks and returns one
:class:`TaskOutcome` per task, in task order, with the worker that ran it (pid, host) and
either the value or a :class:`TaskFailure` (index, seed, error type, message, traceback).
Local processes are the default; Dask is the optional extra ``dask``, imported only when
a Dask executor is made (:mod:`sim.executors.dask_cluster`).
"""

from sim.executors.base import (
    Executor,
    OutcomeCallback,
    TaskFailedError,
    TaskFailure,
    TaskOutcome,
    TaskProgress,
    WorkerInfo,
    attempt,
    seed_of,
)
from sim.executors.choose import local_executor, make_executor
from sim.executors.dask_cluster import DaskExecutor, DaskUnavailableError
from sim.executors.local import DEFAULT_START_METHOD, InProcessExecutor, ProcessExecutor

__all__ = [
    "DEFAULT_START_METHOD",
    "DaskExecutor",
    "DaskUnavailableError",
    "Executor",
    "InProcessExecutor",
    "OutcomeCallback",
    "ProcessExecutor",
    "TaskFailedError",
    "TaskFailure",
    "TaskOutcome",
    "TaskProgress",
    "WorkerInfo",
    "attempt",
    "local_executor",
    "make_executor",
    "seed_of",
]
