"""CRM staleness over time: the share of open-order time in which CRM shows a wrong status.

Per bucket of ``bucket_h`` hours, the open-order time in the bucket and the part of it in
which CRM's status differed from the ERP's, from the spans behind the metric
(:func:`sim.metrics.crm_staleness_spans`); the share is the one over the other. Summed
over all buckets, stale over open is ``crm_staleness.stale_share``, drawn as a dashed line:
the run's figure is the time-weighted mean of the buckets' shares.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from sim.history_frame import history_frame
from sim.metrics import crm_staleness_spans
from sim.report.plots.base import (
    HOUR,
    RunLike,
    bucket_edges,
    new_axes,
    overlap_per_bucket,
    time_axis,
)
from sim.report.plots.windows import DOWNTIME_KINDS, shade_windows

__all__ = ["RUN_SHARE_GID", "SHARE_GID", "plot_crm_staleness", "staleness_series"]

SHARE_GID = "stale_share"
"""``gid`` of the per-bucket share."""

RUN_SHARE_GID = "run_stale_share"
"""``gid`` of the run's time-weighted share."""


def staleness_series(result: RunLike, bucket_h: float = 1.0) -> pd.DataFrame:
    """Per bucket: ``start_h``, ``end_h``, ``open_order_hours``, ``stale_order_hours``, ``share``.

    ``share`` is NaN in a bucket with no open order.
    """
    spans = crm_staleness_spans(history_frame(result.history), result.horizon_s)
    edges = bucket_edges(result.horizon_s, bucket_h)
    starts, ends = spans["start_s"].to_numpy(), spans["end_s"].to_numpy()
    stale = spans["stale"].to_numpy()
    open_s = overlap_per_bucket(starts, ends, edges)
    stale_s = overlap_per_bucket(starts[stale], ends[stale], edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(open_s > 0, stale_s / open_s, np.nan)
    return pd.DataFrame(
        {
            "start_h": edges[:-1] / HOUR,
            "end_h": edges[1:] / HOUR,
            "open_order_hours": open_s / HOUR,
            "stale_order_hours": stale_s / HOUR,
            "share": share,
        }
    )


def plot_crm_staleness(
    result: RunLike,
    ax: Axes | None = None,
    bucket_h: float = 1.0,
    shade: Iterable[str] | None = DOWNTIME_KINDS,
) -> Axes:
    """Share of open-order time with a stale CRM status per bucket, and the run's share."""
    ax = new_axes(ax)
    shade_windows(ax, result, shade)
    table = staleness_series(result, bucket_h)
    edges = np.append(table["start_h"].to_numpy(), table["end_h"].to_numpy()[-1:])
    ax.stairs(
        table["share"].to_numpy(),
        edges,
        color="tab:red",
        label=f"per {bucket_h:g} h bucket",
        gid=SHARE_GID,
    )
    run_share = float(result.metrics["crm_staleness"]["stale_share"])
    ax.axhline(
        run_share,
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"run (time-weighted): {run_share:.2%}",
        gid=RUN_SHARE_GID,
    )
    time_axis(ax, result.horizon_s)
    ax.set_ylabel("share of open-order time CRM is stale")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax.set_title(f"CRM staleness: {result.scenario.name}")
    ax.legend(fontsize="small", loc="upper right")
    return ax
