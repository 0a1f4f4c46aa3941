"""Utilisation and queues of every resource of a run, from its history alone.

A resource is a pool of servers: an endpoint's own servers, a pool several endpoints share
(the ERP's dialog work processes), a pool that runs batch work (the ERP's background work
processes) or the integration's own workers (iPaaS flow workers). Each was declared by a
``pool.declared`` row (``value``: its servers); an endpoint's ``pool.member`` row names the
pool it serves on. Busy time comes from the ``endpoint.call`` rows of the pool's endpoints
(a served request held a server over ``[time - value2, time]`` and waited for it over the
``value`` seconds before) and the pool's own ``pool.work`` rows (same columns). Refusals
(``unavailable``, ``throttled``, a silent outage's ``timeout``) never held or waited for a
server and are left out.

The event bus's subscriptions are resources too (``subscriber:<name>``): a
``bus.subscribed`` row gives its consumers (``value``, one per partition), and each copy
held a consumer from its ``bus.delivered`` row to its outcome row (applied, discarded,
dead-lettered or dropped), the n-th delivery of a message paired with its n-th outcome. Its
queue is its consumer lag (:mod:`sim.consumer_lag`): each copy it owes waits on its
partition from the message's ``bus.published`` row until a consumer takes it (the copy's
first ``bus.delivered`` row; the end of the run when none).

Per resource: its servers, mean utilisation over the run, the busiest hour's utilisation
(``peak_hour_utilisation``, with ``peak_hour_start_h``), and the time-average number
waiting (``mean_queue``) and in the busiest queue hour (``peak_hour_queue``).

Over time (:func:`resource_series`, metrics.json's ``resource_hourly``): per hour of the
run, each resource's utilisation and mean queue, the orders accepted and the retries made
(``integration.retry`` rows), so that load, saturation and retry storms can be read side
by side (the capacity search reads them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.bus_copies import copies_in_turn
from sim.consumer_lag import lag_spans, waiting_until
from sim.engine.outcomes import CALL_EVENT
from sim.engine.server_pool import POOL_DECLARED, POOL_MEMBER, POOL_WORK
from sim.history_frame import ACCEPTANCE_EVENTS, name_groups, rows
from sim.history_table import Rows

__all__ = [
    "HourlyResources",
    "hourly_resources",
    "resource_series",
    "resource_utilisation",
    "summarise_resources",
]

HOUR = 3600.0
RETRY_EVENT = "integration.retry"
"""A retry of a refused call (:class:`sim.integration.messaging.Retrier` records it)."""
_NOT_SERVED = ("unavailable", "throttled", "timeout")
_SUBSCRIBER = "subscriber:"
_OUTCOMES = ("bus.applied", "bus.discarded", "bus.dead_lettered", "bus.dropped")


def _subscriptions(frame: Rows) -> tuple[dict[str, float], pd.DataFrame]:
    """Each subscription's consumers, and the time each delivered copy held one.

    The copies as served requests: ``actor`` (the subscription), ``time`` (the copy's
    outcome), ``value`` (no wait: a subscription's wait is its consumer lag) and ``value2``
    (the time from delivery to outcome).
    """
    subscribed = rows(frame, "bus.subscribed")
    subscribed = subscribed[subscribed["value"].notna()]
    consumers = {
        str(actor): float(value)
        for actor, value in zip(subscribed["actor"], subscribed["value"], strict=True)
    }
    if not consumers:
        return consumers, pd.DataFrame()
    # the n-th delivery of a copy is paired with its n-th outcome, on integer keys
    delivered = rows(frame, "bus.delivered", columns=("time", "actor", "subject"))
    actors = delivered["actor"].cat.categories
    taken_key, taken_at, taken_n = copies_in_turn(delivered)
    del delivered
    outcome_key, outcome_at, _ = copies_in_turn(
        rows(frame, *_OUTCOMES, columns=("time", "actor", "subject"))
    )
    first = np.searchsorted(outcome_key, taken_key, side="left")
    count = np.searchsorted(outcome_key, taken_key, side="right") - first
    paired = taken_n < count
    ended = outcome_at[first[paired] + taken_n[paired]]
    held = pd.DataFrame(
        {
            "actor": pd.Categorical.from_codes(
                (taken_key[paired] >> 32).astype(np.int32), categories=actors
            ),
            "time": ended,
            "value": 0.0,
            "value2": ended - taken_at[paired],
        }
    )
    return consumers, held


def _overlap(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Summed length of the intervals ``[start, end]`` inside each bucket between ``edges``."""
    a = np.clip(starts, edges[0], edges[-1])
    b = np.clip(ends, edges[0], edges[-1])
    keep = b > a
    a, b = a[keep], b[keep]
    total = np.zeros(edges.size - 1)
    if not a.size:
        return total
    # the covered length of [edges[i], edges[i+1]] is F(edges[i+1]) - F(edges[i]) with
    # F(x) = sum over intervals of clip(x, a, b) - a
    order_a, order_b = np.sort(a), np.sort(b)
    cum_a = np.concatenate(([0.0], np.cumsum(order_a)))
    cum_b = np.concatenate(([0.0], np.cumsum(order_b)))
    started = np.searchsorted(order_a, edges, side="right")
    ended = np.searchsorted(order_b, edges, side="right")
    # intervals started by x contribute x - a; those also ended contribute b - a instead
    covered = (edges * started - cum_a[started]) - (edges * ended - cum_b[ended])
    return np.diff(covered)


@dataclass(frozen=True)
class HourlyResources:
    """Every declared resource's servers, busy and waiting time per bucket of the run.

    ``busy`` holds server-seconds and ``queue`` request-seconds spent waiting, per bucket
    between ``edges`` (hours of the run; the last bucket may be shorter).
    """

    edges: np.ndarray
    servers: dict[str, float]
    busy: dict[str, np.ndarray]
    queue: dict[str, np.ndarray]

    @property
    def widths(self) -> np.ndarray:
        """Each bucket's length in seconds."""
        return np.diff(self.edges)

    def utilisation(self, name: str) -> np.ndarray:
        """Share of ``name``'s servers busy in each bucket."""
        share: np.ndarray = self.busy[name] / (self.servers[name] * self.widths)
        return share

    def mean_queue(self, name: str) -> np.ndarray:
        """Time-average number of ``name``'s requests waiting in each bucket."""
        mean: np.ndarray = self.queue[name] / self.widths
        return mean


Spans = tuple[np.ndarray, np.ndarray, np.ndarray]
"""A resource's served requests: (end times, service times, waits), NaN as 0."""


def _served(frame: Rows) -> tuple[dict[str, float], dict[str, list[Spans]]]:
    """Each resource's servers, and the spans of every request it served, by resource.

    A resource's spans come in parts (one per actor serving it): :func:`_joined` puts one
    resource's together when it is measured, so the whole run's are never held twice.
    Works on the rows' category codes and one stable sort per source, never a frame of
    every served request: on a long run the endpoint calls alone are tens of millions.
    """
    declared = rows(frame, POOL_DECLARED)
    capacity = {
        str(actor).removeprefix("pool:"): float(value)
        for actor, value in zip(declared["actor"], declared["value"], strict=True)
    }
    members = rows(frame, POOL_MEMBER)
    pool_of = {
        str(actor): str(status)
        for actor, status in zip(members["actor"], members["status"], strict=True)
    }
    pieces: dict[str, list[Spans]] = {}
    # the subscriptions first: pairing their copies needs the most room, and nothing is
    # held yet (each source's resources are distinct, so the order changes no figure)
    consumers, handled = _subscriptions(frame)
    _by_resource(handled, lambda actor: actor, pieces)
    del handled
    _calls_by_resource(frame, pool_of, pieces)
    work = rows(frame, POOL_WORK, columns=("time", "actor", "value", "value2"))
    _by_resource(work, lambda actor: actor.removeprefix("pool:"), pieces)
    capacity.update(consumers)
    return capacity, pieces


def _calls_by_resource(frame: Rows, pool_of: dict[str, str], into: dict[str, list[Spans]]) -> None:
    """Append each pool's spans of the endpoint calls it served to ``into``.

    The calls are the most numerous rows of a run (tens of millions in a year), so they are
    read a column at a time: first who served each call and how it ended, then its end
    time, service time and wait, each cut into the pools' parts before the next is read.
    """
    calls = rows(frame, CALL_EVENT, columns=("actor", "status"))
    served = np.flatnonzero(~calls["status"].isin(_NOT_SERVED).to_numpy())
    actors = calls["actor"].iloc[served]
    del calls
    picks: list[tuple[str, np.ndarray]] = []
    for actor, picked in name_groups(actors):
        name = pool_of.get(actor)
        if name is not None:
            picks.append((name, served[picked]))
    del served, actors
    columns: list[list[np.ndarray]] = []
    for column in ("time", "value2", "value"):  # end, service (held), wait
        values = rows(frame, CALL_EVENT, columns=(column,))[column].to_numpy(dtype=float)
        columns.append([values[picked] for _, picked in picks])
        del values
    for (name, _), ends, held, waits in zip(picks, *columns, strict=True):
        into.setdefault(name, []).append((ends, _zero_nan(held), _zero_nan(waits)))


def _joined(parts: list[Spans]) -> Spans:
    """One resource's spans from its parts (the order does not matter to :func:`_overlap`)."""
    if len(parts) == 1:
        return parts[0]
    ends = np.concatenate([part[0] for part in parts])
    held = np.concatenate([part[1] for part in parts])
    waits = np.concatenate([part[2] for part in parts])
    return ends, held, waits


def _by_resource(
    served: pd.DataFrame, resource_of: Callable[[str], str | None], into: dict[str, list[Spans]]
) -> None:
    """Append each resource's (end, service, wait) spans of ``served`` to ``into``.

    ``served`` has ``actor`` (categorical), ``time``, ``value`` (wait) and ``value2``
    (service) columns; ``resource_of`` names an actor's resource (``None``: none).
    """
    if served.empty:
        return
    ends, waits, held = (served[c].to_numpy(dtype=float) for c in ("time", "value", "value2"))
    for actor, picked in name_groups(served["actor"]):
        name = resource_of(actor)
        if name is None:
            continue
        into.setdefault(name, []).append(
            (
                ends[picked],
                _zero_nan(held[picked]),
                _zero_nan(waits[picked]),
            )
        )


def _zero_nan(values: np.ndarray) -> np.ndarray:
    """``values`` (a fresh copy: it is changed in place) with NaN (not recorded) as 0."""
    values[np.isnan(values)] = 0.0
    return values


def _consumer_lag(frame: Rows, names: list[str], edges: np.ndarray) -> dict[str, np.ndarray]:
    """Request-seconds each subscription of ``names`` had copies waiting, per bucket."""
    if not names:
        return {}
    spans = lag_spans(frame)
    until = waiting_until(spans, float(edges[-1]))
    published = spans["published"].to_numpy(dtype=float)
    subscription = spans["subscription"].cat
    del spans
    codes = subscription.codes.to_numpy()
    code_of = {str(name): code for code, name in enumerate(subscription.categories)}
    zeros = np.zeros(edges.size - 1)
    lag: dict[str, np.ndarray] = {}
    for name in names:
        mine = codes == code_of[name] if name in code_of else None
        lag[name] = zeros if mine is None else _overlap(published[mine], until[mine], edges)
    return lag


def hourly_resources(frame: Rows, end: float, bucket_s: float = HOUR) -> HourlyResources:
    """Busy and waiting time of every declared resource per ``bucket_s`` over ``[0, end]``.

    A subscription's waiting time is its consumer lag. No declared resource, neither a
    pool nor a subscription (or ``end <= 0``): no resources.
    """
    if bucket_s <= 0:
        raise ValueError(f"bucket_s must be positive, got {bucket_s}")
    edges = np.append(np.arange(0.0, end, bucket_s), end) if end > 0 else np.zeros(1)
    if end <= 0 or (rows(frame, POOL_DECLARED).empty and rows(frame, "bus.subscribed").empty):
        return HourlyResources(edges, {}, {}, {})
    capacity, served = _served(frame)
    busy: dict[str, np.ndarray] = {}
    queue: dict[str, np.ndarray] = {}
    zeros = np.zeros(edges.size - 1)
    for name in sorted(capacity):
        if name not in served:
            busy[name], queue[name] = zeros, zeros
        else:
            ends, held, waits = _joined(served.pop(name))
            starts = ends - held
            busy[name] = _overlap(starts, ends, edges)
            queue[name] = _overlap(starts - waits, starts, edges)
            del ends, held, waits, starts  # before the next resource's are joined
    # a subscription's queue is its consumer lag: read once the served spans are let go
    queue.update(_consumer_lag(frame, [n for n in capacity if n.startswith(_SUBSCRIBER)], edges))
    return HourlyResources(edges, capacity, busy, queue)


def resource_utilisation(frame: Rows, end: float) -> dict[str, dict[str, Any]]:
    """Utilisation and queue of every declared resource over ``[0, end]``, by its name."""
    return summarise_resources(hourly_resources(frame, end), end)


def summarise_resources(hourly: HourlyResources, end: float) -> dict[str, dict[str, Any]]:
    """The ``resources`` section of metrics.json from the hourly figures over ``[0, end]``."""
    report: dict[str, dict[str, Any]] = {}
    widths, edges = hourly.widths, hourly.edges
    for name, servers in hourly.servers.items():
        busy, queue = hourly.busy[name], hourly.queue[name]
        utilisation = hourly.utilisation(name)
        peak = int(np.argmax(utilisation)) if utilisation.size else 0
        report[name] = {
            "servers": int(servers),
            "mean_utilisation": float(busy.sum() / (servers * end)),
            "peak_hour_utilisation": float(utilisation[peak]) if utilisation.size else math.nan,
            "peak_hour_start_h": float(edges[peak] / HOUR),
            "mean_queue": float(queue.sum() / end),
            "peak_hour_queue": float(np.max(queue / widths)) if widths.size else math.nan,
        }
    return report


def _listed(values: np.ndarray) -> list[float]:
    return [round(float(v), 4) for v in values]


def resource_series(frame: Rows, hourly: HourlyResources) -> dict[str, Any]:
    """The ``resource_hourly`` section of metrics.json: load and resources, hour by hour.

    Per hour of the run: the orders accepted, the retries made, and per resource the
    share of its servers busy and the mean number of requests waiting.

    ``time_h`` holds each hour's start; ``accepted`` and ``retries`` are counts per hour;
    ``utilisation[name]`` and ``queue[name]`` one value per hour (a subscription's queue
    is its consumer lag: copies waiting on its partitions).
    """
    edges = hourly.edges
    accepted = rows(frame, *ACCEPTANCE_EVENTS)["time"].to_numpy(dtype=float)
    retried = rows(frame, RETRY_EVENT)["time"].to_numpy(dtype=float)
    listed = _listed
    return {
        "time_h": listed(edges[:-1] / HOUR),
        "accepted": listed(np.histogram(accepted, edges)[0]),
        "retries": listed(np.histogram(retried, edges)[0]),
        "utilisation": {name: listed(hourly.utilisation(name)) for name in hourly.servers},
        "queue": {name: listed(hourly.mean_queue(name)) for name in hourly.servers},
    }
