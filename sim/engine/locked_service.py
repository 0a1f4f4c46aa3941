"""The service of a call that must lock records to commit (SAP enqueue, Salesforce row locks).

:meth:`Endpoint.call <sim.engine.endpoint.Endpoint.call>` hands a request given ``locks``
here once it holds a server and knows its service time. The request works unlocked for the
first ``1 - commit_share`` of its service, then asks the endpoint's lock table for its
records and, once granted, does the rest (the commit part) holding them; the commit runs and
the locks are released when that part ends. Waiting for a lock holds the server: a work
process blocked on an enqueue is a busy work process. So the call's ``value2`` (time held)
includes the lock wait, and a ``lock.wait`` row gives the wait itself (written only for a
request that waited, or failed to get its locks). A request whose
patience for the locks runs out fails with ``locked`` and commits nothing.

When the records are free and the whole service is the commit part (the CRM's writes),
the locks are taken at once and the call costs no more events than a plain one. When the
caller will wait out the whole service (it ends before the caller's patience), the unlocked
part runs inline too, and so does the commit part if the records are free by then (the
ERP's order creation, most of the time). Otherwise the locked work runs as a process of its
own, so a caller that gives up (or is interrupted) mid-service leaves it to finish and
commit (``late``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, cast

import simpy

from sim.engine.history import NONE
from sim.engine.outcomes import ERROR, LOCKED, OK, TIMED_OUT

if TYPE_CHECKING:
    from sim.engine.endpoint import Endpoint
    from sim.engine.locks import LockTable

__all__ = ["lock_commits", "serve_locked"]


def lock_commits(
    endpoint: Endpoint, table: LockTable, commit_share: float, patience_s: float
) -> None:
    """Make ``endpoint``'s calls given ``locks`` hold them in ``table`` to commit.

    They hold them for the last ``commit_share`` of their service, waiting at most
    ``patience_s`` for them, else failing with ``locked``.
    """
    endpoint.locks = table
    endpoint.commit_share = commit_share
    endpoint.lock_patience_s = patience_s
    endpoint.serve_locked = serve_locked


def _hold(
    endpoint: Endpoint, keys: tuple[str, ...], pre: float, post: float
) -> Generator[simpy.Event, Any, tuple[bool, float]]:
    """Work, lock, commit part: ``(granted, seconds waited for the locks)``."""
    sim = endpoint._sim
    table = endpoint.locks
    if table is None:  # pragma: no cover - serve_locked is only called with a table
        raise RuntimeError("serve_locked needs a lock table")
    if pre > 0.0:
        yield sim.timeout(pre)
    asked = sim.now
    granted = yield from table.acquire(keys, endpoint.lock_patience_s)
    waited = sim.now - asked
    if granted and post > 0.0:
        yield sim.timeout(post)
    return granted, waited


def serve_locked(
    endpoint: Endpoint,
    order: int,
    commit: Callable[[], Any] | None,
    arrival: float,
    start: float,
    service: float,
    n: int,
    timeout: float,
    keys: tuple[str, ...],
) -> Generator[simpy.Event, Any, Any]:
    """Serve a request that holds a server and must hold ``keys`` for its commit part."""
    sim = endpoint._sim
    post = service * endpoint.commit_share
    patience = arrival + timeout - start
    table = endpoint.locks
    if post >= service and service <= patience and table is not None and table.take_free(keys):
        # the common case: the records are free and held for the whole service
        try:
            yield sim.timeout(service)
        except simpy.Interrupt:
            table.release(keys)
            endpoint._interrupted_in_service(order, arrival, start)
            raise
        endpoint._left_server(sim.now)
        answer, lost_wait = _settle(
            endpoint, order, commit, arrival, start, service, n, timeout, keys
        )
        if lost_wait is not None:
            yield sim.timeout(lost_wait)
        return answer
    pre = service - post
    if pre > 0.0 and service < patience and table is not None:
        # the caller waits it out unless the records stay locked: the unlocked part inline
        try:
            yield sim.timeout(pre)
        except simpy.Interrupt:
            work = sim.process(_hold(endpoint, keys, start + pre - sim.now, post))
            work.callbacks.append(
                lambda _: _finish(endpoint, order, commit, arrival, start, keys, work)
            )
            raise
        if table.take_free(keys):
            try:
                yield sim.timeout(post)
            except simpy.Interrupt:
                # as for a caller that gives up: the callee finishes, commits, answers no one
                sim.timeout(start + service - sim.now).callbacks.append(
                    lambda _: _finish_holding(endpoint, order, commit, arrival, start, keys)
                )
                raise
            end = sim.now
            endpoint._left_server(end)
            answer, lost_wait = _settle(
                endpoint, order, commit, arrival, start, end - start, n, timeout, keys
            )
            if lost_wait is not None:
                yield sim.timeout(lost_wait)
            return answer
        # the records are locked: wait for them in a process of its own (below)
        work = sim.process(_hold(endpoint, keys, 0.0, post))
        patience = arrival + timeout - sim.now
    else:
        work = sim.process(_hold(endpoint, keys, pre, post))
    try:
        if patience < math.inf:
            yield work | sim.timeout(patience)
        else:
            yield work
    except simpy.Interrupt:
        work.callbacks.append(
            lambda _: _finish(endpoint, order, commit, arrival, start, keys, work)
        )
        raise
    if not work.triggered:
        # the caller gives up; the callee finishes, commits and answers no one
        work.callbacks.append(
            lambda _: _finish(endpoint, order, commit, arrival, start, keys, work)
        )
        return TIMED_OUT
    granted, held = _end(endpoint, order, arrival, start, keys, work)
    if not granted:
        _record_locked(endpoint, order, arrival, start, held)
        return LOCKED
    answer, lost_wait = _settle(endpoint, order, commit, arrival, start, held, n, timeout, keys)
    if lost_wait is not None:
        yield sim.timeout(lost_wait)
    return answer


def _settle(
    endpoint: Endpoint,
    order: int,
    commit: Callable[[], Any] | None,
    arrival: float,
    start: float,
    held: float,
    n: int,
    timeout: float,
    keys: tuple[str, ...],
) -> tuple[Any, float | None]:
    """After a locked service: a 5xx, or commit and answer; the locks are released.

    Returns the answer and, when the response is lost, how long the caller still waits
    for it (``None`` otherwise): a plain function, so the common case adds no generator.
    """
    end = endpoint._sim.now
    wait = start - arrival
    patience = arrival + timeout - start
    if endpoint.error_rate and endpoint._error_units.unit(order, n) < endpoint.error_rate:
        endpoint.locks.release(keys)  # type: ignore[union-attr]
        endpoint._record(
            end, endpoint._event, endpoint._actor, order, NONE, endpoint._error, wait, held
        )
        return ERROR, None
    answer = commit() if commit is not None else OK
    endpoint.locks.release(keys)  # type: ignore[union-attr]
    if (
        endpoint.lost_response_rate
        and endpoint._lost_units.unit(order, n) < endpoint.lost_response_rate
    ):
        endpoint._record(
            end, endpoint._event, endpoint._actor, order, NONE, endpoint._lost, wait, held
        )
        return TIMED_OUT, (patience - held if timeout < math.inf else endpoint.silent_timeout_s)
    endpoint._record(end, endpoint._event, endpoint._actor, order, NONE, endpoint._ok, wait, held)
    return answer, None


def _end(
    endpoint: Endpoint,
    order: int,
    arrival: float,
    start: float,
    keys: tuple[str, ...],
    work: simpy.Process,
) -> tuple[bool, float]:
    """Release the server and record the lock wait; ``(granted, time held)``."""
    now = endpoint._sim.now
    endpoint._left_server(now)
    granted, waited = cast(tuple[bool, float], work.value)
    if granted and waited <= 0.0:
        return granted, now - start
    endpoint._record(
        now,
        endpoint._lock_event,
        endpoint._actor,
        order,
        NONE,
        endpoint._ok if granted else endpoint._locked,
        waited,
        now - start,
    )
    return granted, now - start


def _finish_holding(
    endpoint: Endpoint,
    order: int,
    commit: Callable[[], Any] | None,
    arrival: float,
    start: float,
    keys: tuple[str, ...],
) -> None:
    """The inline commit part of a caller that has gone ends: release, commit, ``late``."""
    now = endpoint._sim.now
    endpoint._left_server(now)
    _commit_late(endpoint, order, commit, arrival, start, keys, now - start)


def _finish(
    endpoint: Endpoint,
    order: int,
    commit: Callable[[], Any] | None,
    arrival: float,
    start: float,
    keys: tuple[str, ...],
    work: simpy.Process,
) -> None:
    """The locked work of a caller that has gone ends: commit (if granted) and record."""
    granted, held = _end(endpoint, order, arrival, start, keys, work)
    if granted:
        _commit_late(endpoint, order, commit, arrival, start, keys, held)
    else:
        _record_locked(endpoint, order, arrival, start, held)


def _record_locked(
    endpoint: Endpoint, order: int, arrival: float, start: float, held: float
) -> None:
    """The call row of a request whose patience for its records ran out (``locked``)."""
    endpoint._record(
        endpoint._sim.now,
        endpoint._event,
        endpoint._actor,
        order,
        NONE,
        endpoint._locked,
        start - arrival,
        held,
    )


def _commit_late(
    endpoint: Endpoint,
    order: int,
    commit: Callable[[], Any] | None,
    arrival: float,
    start: float,
    keys: tuple[str, ...],
    held: float,
) -> None:
    """Commit the work of a caller that has gone, release its records, record ``late``."""
    if commit is not None:
        commit()
    endpoint.locks.release(keys)  # type: ignore[union-attr]
    endpoint._record(
        endpoint._sim.now,
        endpoint._event,
        endpoint._actor,
        order,
        NONE,
        endpoint._late,
        start - arrival,
        held,
    )
