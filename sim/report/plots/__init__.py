"""Plots of a run or a comparison, for architects (matplotlib, object-oriented API only).

Every ``plot_*`` function takes a result and an optional ``ax``, draws on it (or on the one
Axes of a new :class:`matplotlib.figure.Figure`, never through pyplot), and returns the
Axes; none calls ``show()``. Save with ``ax.figure.savefig("plot.png")``. The data behind
each plot is computed by the same functions as the metrics, so a plot shows what the
metrics measure; time axes are simulated hours since the run's start.

* :func:`plot_latency_cdf`: one latency metric's CDF per pattern, its SLA target marked;
* :func:`plot_latency_cdfs`: one run's CDF of every latency metric (log axis);
* :func:`plot_backlog`: the integration backlog and its terms, outages shaded;
* :func:`plot_throughput`: orders accepted against ERP orders created and shipments;
* :func:`plot_sla_compliance`: each pattern's SLA statistic, its 95% interval and the target;
* :func:`plot_dead_letters_and_exceptions`: dead letters waiting and exceptions open;
* :func:`plot_crm_staleness`: the share of open-order time CRM is stale, per bucket;
* :func:`plot_endpoint_utilisation`: the busy share of endpoints' servers, per bucket;
* :func:`plot_picker_utilisation`: the busy share of each site's pickers, per bucket;
* :func:`plot_order_journey`: one order's rows as a swim-lane timeline;
* :func:`plot_fault_timeline`: the fault windows, one lane per fault and target;
* :func:`plot_alerts`: each alert rule's episodes, and each fault window's time to detect.

Importing this package imports matplotlib; :mod:`sim.report` itself does not.
"""

from sim.report.plots.alerts import plot_alerts
from sim.report.plots.backlog import backlog_levels, plot_backlog
from sim.report.plots.base import RunLike, new_axes, results_by_pattern
from sim.report.plots.journey import order_journey, order_number, plot_order_journey
from sim.report.plots.latency import cdf_points, plot_latency_cdf, plot_latency_cdfs
from sim.report.plots.queues import plot_dead_letters_and_exceptions
from sim.report.plots.sla import plot_sla_compliance, sla_table
from sim.report.plots.staleness import plot_crm_staleness, staleness_series
from sim.report.plots.throughput import plot_throughput, throughput_series
from sim.report.plots.timeline import plot_fault_timeline
from sim.report.plots.utilisation import (
    endpoint_utilisation,
    peak_utilisation,
    picker_utilisation,
    plot_endpoint_utilisation,
    plot_picker_utilisation,
)
from sim.report.plots.windows import fault_windows, shade_windows

__all__ = [
    "RunLike",
    "backlog_levels",
    "cdf_points",
    "endpoint_utilisation",
    "fault_windows",
    "new_axes",
    "order_journey",
    "order_number",
    "peak_utilisation",
    "picker_utilisation",
    "plot_backlog",
    "plot_crm_staleness",
    "plot_dead_letters_and_exceptions",
    "plot_endpoint_utilisation",
    "plot_alerts",
    "plot_fault_timeline",
    "plot_latency_cdf",
    "plot_latency_cdfs",
    "plot_order_journey",
    "plot_picker_utilisation",
    "plot_sla_compliance",
    "plot_throughput",
    "results_by_pattern",
    "shade_windows",
    "sla_table",
    "staleness_series",
    "throughput_series",
]
