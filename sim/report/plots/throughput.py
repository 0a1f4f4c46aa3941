"""Throughput over time against arrivals: orders accepted, created in the ERP and shipped.

Per bucket of ``bucket_h`` hours: orders accepted, wherever their channel enters (a CRM
quote, a web-shop order, an EDI IDoc: :func:`sim.history_frame.accepted_rows`), orders
created in the ERP (each order's first ``erp.order_created``, as
``volume.erp_orders_created`` counts them) and shipments dispatched
(``erp.shipment_dispatched``, as ``volume.shipments``). Arrivals are bars; what the ERP
and the warehouse got through are step lines over them, so a gap between the two during
an outage, and the catch-up after it, show at a glance.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.history_frame import accepted_rows, first_time, history_frame, rows
from sim.report.plots.base import HOUR, RunLike, bucket_edges, new_axes, time_axis
from sim.report.plots.windows import DOWNTIME_KINDS, shade_windows

__all__ = ["THROUGHPUT_SERIES", "plot_throughput", "throughput_series"]

THROUGHPUT_SERIES: dict[str, str] = {
    "accepted": "orders accepted (CRM)",
    "erp_created": "orders created (ERP)",
    "shipped": "shipments dispatched",
}
"""Columns of :func:`throughput_series` (each also the ``gid`` of its artist) and labels."""


def throughput_series(result: RunLike, bucket_h: float = 1.0) -> pd.DataFrame:
    """Counts per bucket: one row per bucket (``start_h``, ``end_h``) and one column per series."""
    frame = history_frame(result.history)
    edges = bucket_edges(result.horizon_s, bucket_h)
    times = {
        "accepted": accepted_rows(frame).groupby("order")["time"].min().to_numpy(dtype=float),
        "erp_created": first_time(frame, "erp.order_created").to_numpy(dtype=float),
        "shipped": rows(frame, "erp.shipment_dispatched")["time"].to_numpy(dtype=float),
    }
    table = pd.DataFrame({"start_h": edges[:-1] / HOUR, "end_h": edges[1:] / HOUR})
    for name, at in times.items():
        table[name] = np.histogram(at, bins=edges)[0]
    return table


def plot_throughput(
    result: RunLike,
    ax: Axes | None = None,
    bucket_h: float = 1.0,
    shade: Iterable[str] | None = DOWNTIME_KINDS,
) -> Axes:
    """Orders accepted (bars) against ERP orders created and shipments (steps) per bucket."""
    ax = new_axes(ax)
    shade_windows(ax, result, shade)
    table = throughput_series(result, bucket_h)
    starts = table["start_h"].to_numpy()
    widths = table["end_h"].to_numpy() - starts
    edges = np.append(starts, table["end_h"].to_numpy()[-1:])
    ax.bar(
        starts,
        table["accepted"].to_numpy(),
        width=widths,
        align="edge",
        color="tab:blue",
        alpha=0.35,
        label=THROUGHPUT_SERIES["accepted"],
        gid="accepted",
    )
    for name, colour in (("erp_created", "tab:green"), ("shipped", "tab:orange")):
        ax.stairs(
            table[name].to_numpy(),
            edges,
            color=colour,
            linewidth=1.3,
            label=THROUGHPUT_SERIES[name],
            gid=name,
        )
    time_axis(ax, result.horizon_s)
    per = "hour" if bucket_h == 1 else f"{bucket_h:g} h"
    ax.set_ylabel(f"per {per}")
    ax.set_title(f"throughput against arrivals: {result.scenario.name}")
    ax.legend(fontsize="small", loc="upper right")
    return ax
