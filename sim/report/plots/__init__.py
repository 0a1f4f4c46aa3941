"""Plots of a run or a comparison, for architects (matplotlib, object-oriented API only).

Every ``plot_*`` function takes a result and an optional ``ax``, draws on it (or on the one
Axes of a new :class:`matplotlib.figure.Figure`, never through pyplot), and returns the
Axes; none calls ``show()``. Save with ``ax.figure.savefig("plot.png")``. The data behind
each plot is computed by the same functions as the metrics, so a plot shows what the
metrics measure; time axes are simulated hours since the run's start.

* :func:`plot_latency_cdf`: one latency metric's CDF per pattern, its SLA target marked;
* :func:`plot_latency_cdfs`: one run's CDF of every latency metric (log axis).

Importing this package imports matplotlib; :mod:`sim.report` itself does not.
"""

from sim.report.plots.base import new_axes, results_by_pattern
from sim.report.plots.latency import cdf_points, plot_latency_cdf, plot_latency_cdfs

__all__ = [
    "cdf_points",
    "new_axes",
    "plot_latency_cdf",
    "plot_latency_cdfs",
    "results_by_pattern",
]
