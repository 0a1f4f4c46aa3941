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
dead-lettered or dropped), the n-th delivery of a message paired with its n-th outcome. A
copy's wait on its partition is not in the history, so a subscription's queue is not
reported (NaN).

Per resource: its servers, mean utilisation over the run, the busiest hour's utilisation
(``peak_hour_utilisation``, with ``peak_hour_start_h``), and the time-average number
waiting (``mean_queue``) and in the busiest queue hour (``peak_hour_queue``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.outcomes import CALL_EVENT
from sim.engine.server_pool import POOL_DECLARED, POOL_MEMBER, POOL_WORK
from sim.history_frame import rows

__all__ = ["resource_utilisation"]

HOUR = 3600.0
_NOT_SERVED = ("unavailable", "throttled", "timeout")
_SUBSCRIBER = "subscriber:"
_OUTCOMES = ("bus.applied", "bus.discarded", "bus.dead_lettered", "bus.dropped")


def _subscriptions(frame: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame]:
    """Each subscription's consumers, and the time each delivered copy held one."""
    subscribed = rows(frame, "bus.subscribed")
    subscribed = subscribed[subscribed["value"].notna()]
    consumers = {
        str(actor): float(value)
        for actor, value in zip(subscribed["actor"], subscribed["value"], strict=True)
    }
    empty = pd.DataFrame({"pool": [], "time": [], "wait": [], "held": []})
    if not consumers:
        return consumers, empty
    delivered = rows(frame, "bus.delivered")[["actor", "subject", "time"]]
    outcomes = frame[frame["event"].isin(_OUTCOMES)][["actor", "subject", "time"]]
    delivered = delivered.sort_values(["actor", "subject", "time"], kind="stable")
    outcomes = outcomes.sort_values(["actor", "subject", "time"], kind="stable")
    keys = ["actor", "subject"]
    delivered = delivered.assign(n=delivered.groupby(keys, observed=True).cumcount())
    outcomes = outcomes.assign(n=outcomes.groupby(keys, observed=True).cumcount())
    pairs = delivered.merge(outcomes, on=["actor", "subject", "n"], suffixes=("", "_end"))
    held = pd.DataFrame(
        {
            "pool": pairs["actor"].astype(str),
            "time": pairs["time_end"].astype(float),
            "wait": 0.0,
            "held": (pairs["time_end"] - pairs["time"]).astype(float),
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


def resource_utilisation(frame: pd.DataFrame, end: float) -> dict[str, dict[str, Any]]:
    """Utilisation and queue of every declared resource over ``[0, end]``, by its name."""
    declared = rows(frame, POOL_DECLARED)
    if declared.empty or end <= 0:
        return {}
    capacity = {
        str(actor).removeprefix("pool:"): float(value)
        for actor, value in zip(declared["actor"], declared["value"], strict=True)
    }
    members = rows(frame, POOL_MEMBER)
    pool_of = {
        str(actor): str(status)
        for actor, status in zip(members["actor"], members["status"], strict=True)
    }
    calls = rows(frame, CALL_EVENT)
    calls = calls[~calls["status"].astype(str).isin(_NOT_SERVED)]
    calls_pool = calls["actor"].astype(str).map(pool_of)
    work = rows(frame, POOL_WORK)
    work_pool = work["actor"].astype(str).str.removeprefix("pool:")
    served = pd.DataFrame(
        {
            "pool": pd.concat([calls_pool, work_pool], ignore_index=True),
            "time": pd.concat([calls["time"], work["time"]], ignore_index=True),
            "wait": pd.concat([calls["value"], work["value"]], ignore_index=True),
            "held": pd.concat([calls["value2"], work["value2"]], ignore_index=True),
        }
    ).fillna({"wait": 0.0, "held": 0.0})
    consumers, handled = _subscriptions(frame)
    capacity.update(consumers)
    served = pd.concat([served, handled], ignore_index=True)
    edges = np.append(np.arange(0.0, end, HOUR), end)
    widths = np.diff(edges)
    groups = dict(tuple(served.groupby("pool", sort=True)))
    report: dict[str, dict[str, Any]] = {}
    for name in sorted(capacity):
        servers = capacity[name]
        group = groups.get(name)
        if group is None or group.empty:
            busy = queue = np.zeros(widths.size)
        else:
            ends = group["time"].to_numpy(dtype=float)
            held = group["held"].to_numpy(dtype=float)
            starts = ends - held
            busy = _overlap(starts, ends, edges)
            queue = _overlap(starts - group["wait"].to_numpy(dtype=float), starts, edges)
        hourly = busy / (servers * widths)
        peak = int(np.argmax(hourly)) if hourly.size else 0
        if name.startswith(_SUBSCRIBER):
            queue = np.full(widths.size, np.nan)
        report[name] = {
            "servers": int(servers),
            "mean_utilisation": float(busy.sum() / (servers * end)),
            "peak_hour_utilisation": float(hourly[peak]) if hourly.size else math.nan,
            "peak_hour_start_h": float(edges[peak] / HOUR),
            "mean_queue": float(queue.sum() / end),
            "peak_hour_queue": float(np.max(queue / widths)) if widths.size else math.nan,
        }
    return report
