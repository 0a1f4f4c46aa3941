"""The executor interface: run a list of tasks somewhere, get one outcome per task, in order.

An :class:`Executor` takes a module-level function and a list of tasks, runs
``fn(task)`` for each (in this process, on local worker processes or on a Dask cluster) and
returns a :class:`TaskOutcome` per task in task order, whichever finished first. An outcome
either carries the value or a :class:`TaskFailure` (the task's index and seed, the error's
type, message and traceback text); either way it names the worker that ran it (pid and
host). A failed task does not stop the others unless the caller asks for ``fail_fast``,
which raises the first failure's own exception, as a plain loop over the tasks would.

``progress(done, total)`` is called after each task finishes, ``on_outcome(outcome)`` with
each outcome as it arrives (a sweep caches finished tasks there, so an interruption loses
none of them); both run in the calling process and only observe.
"""

from __future__ import annotations

import os
import pickle
import socket
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = [
    "Executor",
    "OutcomeCallback",
    "TaskFailedError",
    "TaskFailure",
    "TaskOutcome",
    "TaskProgress",
    "WorkerInfo",
    "attempt",
    "seed_of",
]

T = TypeVar("T")
R = TypeVar("R")

TaskProgress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each task finishes; it only observes."""


@dataclass(frozen=True)
class WorkerInfo:
    """Which process ran a task: its pid and host (``pid`` 0 when no worker answered)."""

    pid: int
    host: str

    @classmethod
    def here(cls) -> WorkerInfo:
        """The worker running this code."""
        return cls(os.getpid(), socket.gethostname())


NO_WORKER = WorkerInfo(0, "")


@dataclass(frozen=True)
class TaskFailure:
    """A task that raised: which one, with which seed, and the error as text.

    ``exception`` is the exception itself when it survived the trip back from the worker
    (it pickles), so a caller can raise it again; it is not part of :meth:`to_dict`.
    """

    index: int
    seed: int | None
    error_type: str
    message: str
    traceback: str
    worker: WorkerInfo
    exception: BaseException | None = None

    @classmethod
    def from_exception(
        cls, index: int, seed: int | None, exc: BaseException, worker: WorkerInfo
    ) -> TaskFailure:
        """The record of ``exc``, raised by task ``index`` on ``worker``."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(index, seed, type(exc).__name__, str(exc), text, worker, _portable(exc))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (``failures.json``)."""
        return {
            "index": self.index,
            "seed": self.seed,
            "error_type": self.error_type,
            "message": self.message,
            "traceback": self.traceback,
            "worker": {"pid": self.worker.pid, "host": self.worker.host},
        }


class TaskFailedError(RuntimeError):
    """Raised by ``fail_fast`` when the failed task's own exception could not travel back."""

    def __init__(self, failure: TaskFailure) -> None:
        super().__init__(
            f"task {failure.index} (seed {failure.seed}) failed: "
            f"{failure.error_type}: {failure.message}"
        )
        self.failure = failure


@dataclass(frozen=True)
class TaskOutcome(Generic[R]):
    """What became of one task: its value, or its failure; and the worker that ran it."""

    index: int
    seed: int | None
    worker: WorkerInfo
    value: R | None = None
    failure: TaskFailure | None = None

    @property
    def ok(self) -> bool:
        """True when the task returned a value."""
        return self.failure is None

    def unwrap(self) -> R:
        """The value; for a failure, its own exception (or :class:`TaskFailedError`)."""
        if self.failure is not None:
            raise self.failure.exception or TaskFailedError(self.failure)
        return self.value  # type: ignore[return-value]


OutcomeCallback = Callable[[TaskOutcome[Any]], None]
"""Called with each outcome as it arrives, in the calling process; it only observes."""


def _portable(exc: BaseException) -> BaseException | None:
    """``exc`` when it pickles and unpickles (so it can cross processes), else None."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # an exception type that does not pickle: keep its text only
        return None
    return exc


def seed_of(task: object) -> int | None:
    """A task's ``seed`` attribute when it has an integer one, else None."""
    seed = getattr(task, "seed", None)
    return seed if isinstance(seed, int) else None


def attempt(fn: Callable[[T], R], task: T, index: int) -> TaskOutcome[R]:
    """Run ``fn(task)`` where this is called (a worker) and say how it went; never raises.

    Module-level, so every executor ships the same wrapper: failures are caught where they
    happen, with their traceback, and the worker's identity travels with the result.
    """
    worker = WorkerInfo.here()
    try:
        value = fn(task)
    except Exception as exc:  # a task's failure is a record, the other tasks go on
        return TaskOutcome(
            index,
            seed_of(task),
            worker,
            None,
            TaskFailure.from_exception(index, seed_of(task), exc, worker),
        )
    return TaskOutcome(index, seed_of(task), worker, value)


def lost(index: int, task: object, exc: BaseException) -> TaskOutcome[Any]:
    """The outcome of a task whose worker never answered (it died, the pool broke)."""
    failure = TaskFailure.from_exception(index, seed_of(task), exc, NO_WORKER)
    return TaskOutcome(index, seed_of(task), NO_WORKER, None, failure)


class Executor(ABC):
    """Runs tasks somewhere and returns their outcomes in task order.

    Use it as a context manager (or call :meth:`close`) when it holds resources that outlive
    one :meth:`run`, such as a Dask cluster.
    """

    name: str = "executor"

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many tasks it runs at once."""

    @abstractmethod
    def run(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        progress: TaskProgress | None = None,
        on_outcome: OutcomeCallback | None = None,
        fail_fast: bool = False,
    ) -> list[TaskOutcome[R]]:
        """``fn(task)`` for every task; one outcome per task, in task order.

        ``fn`` must be a module-level function (it may be pickled). With ``fail_fast`` the
        first failure cancels what has not started and is raised (:meth:`TaskOutcome.unwrap`).
        """

    def describe(self) -> str:
        """One line for the console: what runs the tasks."""
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def close(self) -> None:  # noqa: B027 - most executors hold nothing between runs
        """Release what the executor holds (nothing, unless it says otherwise)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
