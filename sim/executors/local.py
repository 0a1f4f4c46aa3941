"""Executors on this machine: in this process (one worker) or a pool of spawned processes.

:class:`InProcessExecutor` runs the tasks one after another here. :class:`ProcessExecutor`
starts ``workers`` processes with the ``spawn`` start method for each :meth:`run` (they
share nothing with this process but the tasks sent, as another machine would) and stops
them when the run ends; inside :meth:`ProcessExecutor.kept` one pool serves every run, so
a search that runs step after step (``o2csim capacity``) starts its workers once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from sim.executors.base import (
    Executor,
    OutcomeCallback,
    TaskOutcome,
    TaskProgress,
    attempt,
    lost,
)

__all__ = ["DEFAULT_START_METHOD", "InProcessExecutor", "ProcessExecutor", "notify"]

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_START_METHOD = "spawn"
"""How worker processes start: ``spawn`` shares nothing with the parent but what it sends,
so a worker resolves a user's pattern from its import path or entry point, as any other
machine would."""


def notify(
    outcome: TaskOutcome[Any],
    done: int,
    total: int,
    progress: TaskProgress | None,
    on_outcome: OutcomeCallback | None,
    fail_fast: bool,
) -> None:
    """Tell the observers of one finished task; with ``fail_fast`` raise its failure."""
    if on_outcome is not None:
        on_outcome(outcome)
    if progress is not None:
        progress(done, total)
    if fail_fast and not outcome.ok:
        outcome.unwrap()


class InProcessExecutor(Executor):
    """One worker: this process, the tasks one after another."""

    name = "in-process"

    @property
    def workers(self) -> int:
        return 1

    def run(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        progress: TaskProgress | None = None,
        on_outcome: OutcomeCallback | None = None,
        fail_fast: bool = False,
    ) -> list[TaskOutcome[R]]:
        outcomes: list[TaskOutcome[R]] = []
        for index, task in enumerate(tasks):
            outcomes.append(attempt(fn, task, index))
            notify(outcomes[-1], len(outcomes), len(tasks), progress, on_outcome, fail_fast)
        return outcomes


class ProcessExecutor(Executor):
    """``workers`` local processes, started with ``start_method`` for each run.

    Inside :meth:`kept`, one pool is started and serves every run until the block ends.
    """

    name = "local processes"

    def __init__(self, workers: int, start_method: str = DEFAULT_START_METHOD) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._workers = workers
        self.start_method = start_method
        self._pool: ProcessPoolExecutor | None = None

    @contextmanager
    def kept(self) -> Iterator[ProcessExecutor]:
        """Keep one pool of ``workers`` processes for every run inside the block.

        A run that fails fast (or is interrupted) stops the kept pool, and the runs after
        it start pools of their own, as outside the block.
        """
        context = multiprocessing.get_context(self.start_method)
        self._pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=context)
        try:
            yield self
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    @property
    def workers(self) -> int:
        return self._workers

    def run(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        progress: TaskProgress | None = None,
        on_outcome: OutcomeCallback | None = None,
        fail_fast: bool = False,
    ) -> list[TaskOutcome[R]]:
        total = len(tasks)
        if not total:
            return []
        kept = self._pool
        pool = kept or ProcessPoolExecutor(
            max_workers=min(self._workers, total),
            mp_context=multiprocessing.get_context(self.start_method),
        )
        results: dict[int, TaskOutcome[R]] = {}
        call = partial(attempt, fn)
        try:
            pending: dict[Future[TaskOutcome[R]], int] = {
                pool.submit(call, task, index): index for index, task in enumerate(tasks)
            }
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = pending.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as exc:  # the worker died: the pool is broken
                        if fail_fast:
                            raise
                        outcome = lost(index, tasks[index], exc)
                    results[index] = outcome
                    notify(outcome, len(results), total, progress, on_outcome, fail_fast)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            if kept is not None:
                self._pool = None
            raise
        if kept is None:
            pool.shutdown(wait=True)
        return [results[index] for index in range(total)]
