"""Endpoint utilisation over time: the busy share of each endpoint's servers per bucket.

Every request an endpoint served is one ``endpoint.call`` row written when its service
ended, with ``value2`` its service time (:mod:`sim.engine.endpoint`: ``ok``, ``error``,
``late``, ``lost_response``, and ``interrupted`` with the time served so far; refusals and
throttled calls were served for 0 s). So each row held one server over
``[time - value2, time]``. Per bucket, the busy time of those intervals over the
endpoint's servers times the bucket's length is its utilisation; its time-average over the
run is the endpoint's total service time over ``servers x horizon``. An endpoint's servers
are its ``concurrency`` (:func:`sim.delivery_health.endpoint_specs`), or, for an endpoint
on a shared pool such as the ERP's dialog work processes, the pool's servers (its
``pool.declared`` row): the endpoint's share of the pool.

Pickers are people, not endpoints: a site's pickers each work one pick task at a time, from
its ``wms.pick_started`` row to its ``wms.packed`` row (``value``: the task's work, so the
task held a picker over ``[time - value, time]``); a task still in hand when the run ends
holds its picker to the horizon. Per bucket, their busy time over the site's ``pickers``
times the bucket's length is the site's picker utilisation. Pickers work in shifts (by
default 06:00 to 22:00 on weekdays), so nights and weekends are idle by design: a site
whose pickers are near 100% through every shift while releases keep queueing is saturated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from sim.delivery_health import endpoint_specs
from sim.engine.endpoint import CALL_EVENT
from sim.history_frame import history_frame, rows
from sim.report.plots.base import (
    HOUR,
    RunLike,
    bucket_edges,
    new_axes,
    overlap_per_bucket,
    time_axis,
)
from sim.report.plots.windows import DOWNTIME_KINDS, shade_windows

__all__ = [
    "PICKERS",
    "endpoint_utilisation",
    "peak_utilisation",
    "picker_utilisation",
    "plot_endpoint_utilisation",
    "plot_picker_utilisation",
]


def endpoint_utilisation(
    result: RunLike, bucket_h: float = 1.0, endpoints: Sequence[str] | None = None
) -> pd.DataFrame:
    """Busy share per bucket (rows, index ``start_h``) of each endpoint (columns).

    ``endpoints`` are names such as ``erp.create_order`` (default: every endpoint that was
    called). Raises ``ValueError`` for an endpoint the scenario's systems do not have.
    """
    specs = endpoint_specs(result.scenario)
    frame = history_frame(result.history)
    servers = _servers(frame, specs)
    calls = rows(frame, CALL_EVENT)
    names = calls["actor"].astype(str).str.removeprefix("endpoint:").to_numpy()
    chosen = sorted(set(names)) if endpoints is None else list(endpoints)
    unknown = [name for name in chosen if name not in specs]
    if unknown:
        raise ValueError(f"no such endpoint in the scenario's systems: {', '.join(unknown)}")
    edges = bucket_edges(result.horizon_s, bucket_h)
    widths = np.diff(edges)
    ends = calls["time"].to_numpy(dtype=float)
    service = np.nan_to_num(calls["value2"].to_numpy(dtype=float))
    table = {}
    for name in chosen:
        mine = names == name
        busy = overlap_per_bucket(ends[mine] - service[mine], ends[mine], edges)
        table[name] = busy / (servers[name] * widths)
    return pd.DataFrame(table, index=pd.Index(edges[:-1] / HOUR, name="start_h"))


def _servers(frame: pd.DataFrame, specs: dict[str, Any]) -> dict[str, float]:
    """Each endpoint's servers: its pool's (a shared pool's whole capacity), else its spec's.

    An endpoint on a shared pool (the ERP's dialog work processes) has a ``pool.member``
    row naming the pool, whose ``pool.declared`` row gives its servers.
    """
    servers = {name: float(spec.concurrency) for name, spec in specs.items()}
    declared = rows(frame, "pool.declared")
    capacity = dict(
        zip(declared["actor"].astype(str).str.removeprefix("pool:"), declared["value"], strict=True)
    )
    members = rows(frame, "pool.member")
    for actor, pool in zip(
        members["actor"].astype(str), members["status"].astype(str), strict=True
    ):
        name = actor.removeprefix("endpoint:")
        if pool in capacity:
            servers[name] = float(capacity[pool])
    return servers


PICKERS = "pickers:"
"""Prefix of a site's pickers among the resources of :func:`peak_utilisation`."""


def peak_utilisation(
    result: RunLike, bucket_h: float = 1.0, saturated: float = 0.95
) -> pd.DataFrame:
    """Each resource's busiest bucket, and how long it was saturated: endpoints and pickers.

    Rows (index ``resource``) are every endpoint called, named as in
    :func:`endpoint_utilisation`, and each site's pickers, ``pickers:<site>``. ``peak`` is
    the busy share of the busiest bucket; ``saturated_h`` the hours of the buckets at or
    above ``saturated``. A morning rush can fill one bucket at any load; the resource that
    stays saturated longest is the one that limits throughput, so rows are sorted by
    ``saturated_h``, then ``peak``, largest first (ties keep endpoints, then sites, in name
    order).
    """
    tables = [
        endpoint_utilisation(result, bucket_h),
        picker_utilisation(result, bucket_h).rename(columns=lambda site: f"{PICKERS}{site}"),
    ]
    rows_ = []
    for table in tables:
        widths = np.diff(np.append(table.index.to_numpy(), result.horizon_s / HOUR))
        for name in table.columns:
            share = table[name].to_numpy()
            rows_.append(
                {
                    "resource": name,
                    "peak": float(share.max()) if share.size else 0.0,
                    "saturated_h": float(widths[share >= saturated].sum()),
                }
            )
    frame = pd.DataFrame.from_records(rows_, columns=["resource", "peak", "saturated_h"])
    frame = frame.sort_values(["saturated_h", "peak"], ascending=False, kind="stable")
    return frame.set_index("resource")


def plot_endpoint_utilisation(
    result: RunLike,
    ax: Axes | None = None,
    bucket_h: float = 1.0,
    endpoints: Sequence[str] | None = None,
    top: int = 6,
    shade: Iterable[str] | None = DOWNTIME_KINDS,
) -> Axes:
    """Utilisation per bucket of ``endpoints``, or of the ``top`` busiest ones by peak.

    Each line's ``gid`` is ``endpoint:<name>``.
    """
    ax = new_axes(ax)
    shade_windows(ax, result, shade)
    table = endpoint_utilisation(result, bucket_h, endpoints)
    if endpoints is None:
        table = table[list(table.max().sort_values(ascending=False, kind="stable").index[:top])]
    specs = endpoint_specs(result.scenario)
    edges = np.append(table.index.to_numpy(), result.horizon_s / HOUR)
    for name in table.columns:
        ax.stairs(
            table[name].to_numpy(),
            edges,
            label=f"{name} ({specs[name].concurrency} servers)",
            gid=f"endpoint:{name}",
        )
    time_axis(ax, result.horizon_s)
    peak = float(np.nanmax(table.to_numpy())) if table.size else 0.0
    ax.set_ylim(0.0, min(1.05, max(0.05, peak * 1.15)))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_ylabel("servers busy")
    ax.set_title(f"endpoint utilisation: {result.scenario.name}")
    ax.legend(fontsize="small", loc="upper right")
    return ax


def picker_utilisation(result: RunLike, bucket_h: float = 1.0) -> pd.DataFrame:
    """Busy share per bucket (rows, index ``start_h``) of each site's pickers (columns)."""
    frame = history_frame(result.history)
    packed = rows(frame, "wms.packed")
    started = rows(frame, "wms.pick_started")
    in_hand = started[~started["subject"].isin(packed["subject"])]
    edges = bucket_edges(result.horizon_s, bucket_h)
    widths = np.diff(edges)
    packed_site = packed["status"].astype(str).to_numpy()
    in_hand_site = in_hand["status"].astype(str).to_numpy()
    ends = packed["time"].to_numpy(dtype=float)
    work = np.nan_to_num(packed["value"].to_numpy(dtype=float))
    in_hand_starts = in_hand["time"].to_numpy(dtype=float)
    table = {}
    for site, spec in sorted(result.scenario.sites.items()):
        done, open_ = packed_site == site, in_hand_site == site
        starts = np.concatenate([ends[done] - work[done], in_hand_starts[open_]])
        stops = np.concatenate([ends[done], np.full(int(open_.sum()), result.horizon_s)])
        busy = overlap_per_bucket(starts, stops, edges)
        table[site] = busy / (spec.staffing.pickers * widths)
    return pd.DataFrame(table, index=pd.Index(edges[:-1] / HOUR, name="start_h"))


def plot_picker_utilisation(
    result: RunLike,
    ax: Axes | None = None,
    bucket_h: float = 1.0,
    shade: Iterable[str] | None = DOWNTIME_KINDS,
) -> Axes:
    """Utilisation per bucket of each site's pickers; each line's ``gid`` is ``pickers:<site>``."""
    ax = new_axes(ax)
    shade_windows(ax, result, shade)
    table = picker_utilisation(result, bucket_h)
    edges = np.append(table.index.to_numpy(), result.horizon_s / HOUR)
    for site in table.columns:
        pickers = result.scenario.sites[site].staffing.pickers
        ax.stairs(
            table[site].to_numpy(),
            edges,
            label=f"{site} ({pickers} pickers)",
            gid=f"pickers:{site}",
        )
    time_axis(ax, result.horizon_s)
    ax.set_ylim(0.0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_ylabel("pickers busy")
    ax.set_title(f"picker utilisation: {result.scenario.name}")
    ax.legend(fontsize="small", loc="upper right")
    return ax
