"""The run report's charts over time: backlog, throughput, dead letters, staleness, load.

Each is a :mod:`sim.report.plots` figure of the history read back from the run folder,
in simulated hours since the start, with outage windows shaded where the plot does so.
"""

from __future__ import annotations

from sim.report.html.document import Section
from sim.report.html.images import Chart, figure
from sim.report.html.markup import join
from sim.report.loaded import LoadedRun
from sim.report.plots import (
    plot_backlog,
    plot_crm_staleness,
    plot_dead_letters_and_exceptions,
    plot_endpoint_utilisation,
    plot_throughput,
)

__all__ = ["over_time_section"]


def over_time_section(run: LoadedRun) -> Section:
    """The Over time section: one chart after another."""
    charts = (
        Chart(
            "backlog",
            lambda: plot_backlog(run),
            "integration backlog",
            "Orders and messages the integration still owes, term by term, and the exceptions "
            "open at the order desk; outage windows shaded.",
        ),
        Chart(
            "throughput",
            lambda: plot_throughput(run),
            "throughput against arrivals",
            "Orders accepted per hour (bars) against ERP orders created and shipments "
            "(steps): a gap during an outage and the catch-up after it.",
        ),
        Chart(
            "dead_letters_and_exceptions",
            lambda: plot_dead_letters_and_exceptions(run),
            "dead letters and exceptions",
            "Dead letters waiting (dead-lettered, less replayed) and exceptions open at the "
            "order desk.",
        ),
        Chart(
            "crm_staleness",
            lambda: plot_crm_staleness(run),
            "CRM staleness",
            "Per hour, the share of open-order time in which CRM shows a status other than the "
            "ERP's; dashed, the run's time-weighted share.",
        ),
        Chart(
            "endpoint_utilisation",
            lambda: plot_endpoint_utilisation(run),
            "endpoint utilisation",
            "Busy share of the servers of the six busiest endpoints, per hour.",
        ),
    )
    return Section("over-time", "Over time", join(figure(chart) for chart in charts), charts)
