"""The Dask executor: tasks on a ``distributed`` cluster, local or remote.

``DaskExecutor.local(n)`` starts a ``LocalCluster`` of ``n`` worker processes (one thread
each: a run is pure Python and holds the GIL) and stops it on :meth:`close`;
``DaskExecutor.connect("tcp://HOST:PORT")`` joins a running cluster, whose workers must be
able to import o2csim (and any user pattern named by import path). Dask is the optional
extra ``dask`` (``pip install 'o2csim[dask]'``): it is imported only here, when an executor
is made, and its absence is a :class:`DaskUnavailableError` with that advice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from sim.executors.base import Executor, OutcomeCallback, TaskOutcome, TaskProgress, attempt, lost
from sim.executors.local import notify

__all__ = ["DaskExecutor", "DaskUnavailableError", "import_distributed"]

T = TypeVar("T")
R = TypeVar("R")

INSTALL_HINT = "install the optional extra: pip install 'o2csim[dask]'"


class DaskUnavailableError(RuntimeError):
    """Dask distributed is not installed, or the cluster cannot be reached."""


def import_distributed() -> Any:
    """The ``distributed`` module, or :class:`DaskUnavailableError` saying how to get it."""
    try:
        import distributed
    except ImportError as exc:
        raise DaskUnavailableError(
            f"Dask distributed is not installed ({exc}); {INSTALL_HINT}"
        ) from None
    return distributed


class DaskExecutor(Executor):
    """Tasks on a Dask cluster through a ``distributed.Client``.

    Build it with :meth:`local` or :meth:`connect`, or around a client of your own (it is
    then left open on :meth:`close`).
    """

    name = "dask"

    def __init__(self, client: Any, cluster: Any = None, owns_client: bool = False) -> None:
        self.client = client
        self.cluster = cluster
        self._owns_client = owns_client

    @classmethod
    def local(cls, workers: int) -> DaskExecutor:
        """Start a ``LocalCluster`` of ``workers`` processes and a client of it."""
        if workers < 1:
            raise ValueError(f"a Dask LocalCluster needs at least 1 worker, got {workers}")
        distributed = import_distributed()
        cluster = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        try:
            client = distributed.Client(cluster)
        except BaseException:
            cluster.close()
            raise
        return cls(client, cluster, owns_client=True)

    @classmethod
    def connect(cls, address: str, timeout_s: float = 30.0) -> DaskExecutor:
        """Join the running cluster whose scheduler listens at ``address``."""
        distributed = import_distributed()
        try:
            client = distributed.Client(address, timeout=timeout_s)
        except (OSError, TimeoutError) as exc:
            raise DaskUnavailableError(
                f"cannot reach the Dask scheduler at {address} ({exc})"
            ) from None
        return cls(client, owns_client=True)

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info()["workers"])

    def describe(self) -> str:
        where = "LocalCluster" if self.cluster is not None else str(self.client.scheduler.address)
        return f"dask {where} ({self.workers} workers)"

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
        distributed = import_distributed()
        futures = self.client.map(partial(attempt, fn), list(tasks), range(total), pure=False)
        positions = {future.key: index for index, future in enumerate(futures)}
        results: dict[int, TaskOutcome[R]] = {}
        try:
            for future in distributed.as_completed(futures):
                index = positions[future.key]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died (KilledWorker) or was lost
                    if fail_fast:
                        raise
                    outcome = lost(index, tasks[index], exc)
                results[index] = outcome
                notify(outcome, len(results), total, progress, on_outcome, fail_fast)
        except BaseException:
            self.client.cancel([f for f in futures if positions[f.key] not in results])
            raise
        return [results[index] for index in range(total)]

    def close(self) -> None:
        """Close the client and stop the cluster when this executor started them."""
        if self._owns_client:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
