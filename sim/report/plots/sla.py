"""SLA compliance across replications: each pattern's statistic with its interval, per target.

An SLA verdict across replications (:mod:`sim.verdicts`) takes each replication's
percentile of the target (unfinished samples counted as infinite) and passes when the
one-sided upper confidence bound of their mean is at most the target. Per SLA and pattern
this draws the mean as a bar with its two-sided 95% interval as an error bar, the upper
bound the verdict used as a marker, and the target as a line; a failing bar is hatched.
A mean that is infinite (some replication never reached the percentile) or NaN has no
bar; ``inf`` or ``n/a`` is written in its place.

With ``metric=None`` every SLA is drawn on one axis as a share of its target (1 is the
target); with a metric, that SLA alone, in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from sim.compare import CompareResult
from sim.report.plots.base import new_axes
from sim.verdicts import SlaVerdict

__all__ = ["SLA_COLUMNS", "SlaSource", "TARGET_GID", "plot_sla_compliance", "sla_table"]

SlaSource = CompareResult | Mapping[str, Any]
"""A comparison, its ``summary``, or ``{pattern: {metric: SlaVerdict or its dict}}``."""

SLA_COLUMNS = (
    "pattern",
    "metric",
    "percentile",
    "max_s",
    "n",
    "mean",
    "half_width",
    "upper_bound",
    "passed",
)
"""Columns of :func:`sla_table`."""

TARGET_GID = "sla:target"
"""``gid`` of the target line."""


def _verdicts(source: SlaSource) -> Mapping[str, Mapping[str, Any]]:
    """``{pattern: {metric: verdict}}`` of any :data:`SlaSource`."""
    if isinstance(source, CompareResult):
        source = source.summary
    if "sla" in source and "patterns" in source:
        sla: Mapping[str, Mapping[str, Any]] = source["sla"]
        return sla
    return source


def sla_table(source: SlaSource) -> pd.DataFrame:
    """One row per pattern and SLA target with the verdict's figures (:data:`SLA_COLUMNS`)."""
    records = []
    for pattern, verdicts in _verdicts(source).items():
        for metric, verdict in sorted(verdicts.items()):
            cell = verdict.to_dict() if isinstance(verdict, SlaVerdict) else dict(verdict)
            records.append(
                {"pattern": pattern, "metric": metric, **{k: cell[k] for k in SLA_COLUMNS[2:]}}
            )
    table = pd.DataFrame.from_records(records, columns=list(SLA_COLUMNS))
    floats = ["percentile", "max_s", "mean", "half_width", "upper_bound"]
    table[floats] = table[floats].astype(float)
    return table.astype({"passed": bool})


def _text(value: float) -> str:
    return "inf" if value == math.inf else "n/a"


def plot_sla_compliance(
    source: SlaSource, ax: Axes | None = None, metric: str | None = None
) -> Axes:
    """Per SLA target and pattern: mean statistic with its 95% interval against the target.

    Each pattern's bars have ``gid`` ``sla:<pattern>`` (their container is labelled with
    the pattern, and holds the error bars); its upper bounds are one line with ``gid``
    ``upper_bound:<pattern>``.
    """
    table = sla_table(source)
    if metric is not None:
        table = table[table["metric"] == metric]
        if table.empty:
            raise ValueError(f"no SLA verdict on {metric!r}")
    ax = new_axes(ax)
    metrics = list(dict.fromkeys(table["metric"]))
    patterns = list(dict.fromkeys(table["pattern"]))
    width = 0.8 / max(len(patterns), 1)
    failing: list[Rectangle] = []
    first = table.drop_duplicates("metric")
    max_s = dict(zip(first["metric"], first["max_s"].astype(float), strict=True))
    percentile = dict(zip(first["metric"], first["percentile"].astype(float), strict=True))
    for index, pattern in enumerate(patterns):
        rows = table[table["pattern"] == pattern].set_index("metric").reindex(metrics)
        scale = np.ones(len(metrics)) if metric else rows["max_s"].to_numpy()
        x = np.arange(len(metrics)) - 0.4 + width * (index + 0.5)
        mean = rows["mean"].to_numpy() / scale
        finite = np.isfinite(mean)
        bars = ax.bar(
            x,
            np.where(finite, mean, np.nan),
            width=width * 0.9,
            yerr=rows["half_width"].to_numpy() / scale,
            capsize=3,
            label=pattern,
            gid=f"sla:{pattern}",
        )
        failing.extend(
            patch
            for patch, passed in zip(bars.patches, rows["passed"].to_numpy(), strict=True)
            if not passed
        )
        ax.plot(
            x,
            rows["upper_bound"].to_numpy() / scale,
            marker="v",
            linestyle="none",
            color="black",
            markersize=5,
            label="upper bound (verdict)" if index == 0 else "_nolegend_",
            gid=f"upper_bound:{pattern}",
        )
        at = 1.0 if metric is None else max_s[metric]
        for position, value in zip(x[~finite], mean[~finite], strict=True):
            ax.annotate(_text(value), (position, at), ha="center", va="bottom", fontsize="small")
    if metric is None:
        ax.axhline(1.0, color="black", linestyle="--", linewidth=1, label="target", gid=TARGET_GID)
        ax.set_ylabel("statistic / target")
    else:
        ax.axhline(
            max_s[metric],
            color="black",
            linestyle="--",
            linewidth=1,
            label="target",
            gid=TARGET_GID,
        )
        ax.set_ylabel("seconds")
    ax.set_xticks(
        np.arange(len(metrics)),
        [f"{m.replace('_', ' ')}\np{percentile[m]:g} <= {max_s[m]:g} s" for m in metrics],
        fontsize="small",
    )
    ax.set_xlim(-0.5, len(metrics) - 0.5)  # every slot, also one with no finite bar
    ax.set_ylim(bottom=0)
    ax.set_title("SLA verdicts: mean of the replications' statistic, 95% interval")
    handles, labels = ax.get_legend_handles_labels()
    if failing:
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="//"))
        labels.append("fails: upper bound above target")
    ax.legend(handles, labels, fontsize="small", loc="upper right")
    for patch in failing:  # after the legend, so its pattern swatches stay plain
        patch.set_hatch("//")
    return ax
