"""The report of one run folder: scenario, faults, KPIs, gates, invariants, alerts, figures.

Everything comes from the folder (:class:`sim.report.loaded.LoadedRun`): the figures are
drawn by :mod:`sim.report.plots` from the history read back from ``history.parquet``, the
numbers are ``metrics.json``'s and the verdicts ``run.json``'s, so the page shows what the
run measured and nothing is simulated again. One run is one sample: every verdict here is
labelled as a single run's.

This module puts the sections in order; each is built by a module of its own:
:mod:`~sim.report.html.run_summary`, :mod:`~sim.report.html.run_scenario` (scenario and
faults), :mod:`~sim.report.html.run_kpis`, :mod:`~sim.report.html.run_verdicts` (SLAs,
thresholds, invariants), :mod:`~sim.report.html.run_alerts` and
:mod:`~sim.report.html.run_over_time`.
"""

from __future__ import annotations

from sim.report.html.document import Section
from sim.report.html.run_alerts import alerts_section
from sim.report.html.run_kpis import kpis_section
from sim.report.html.run_over_time import over_time_section
from sim.report.html.run_scenario import TIMELINE_ROWS, faults_section, scenario_section
from sim.report.html.run_summary import summary_section
from sim.report.html.run_verdicts import WITNESS_ROWS, gates_section, invariants_section
from sim.report.loaded import LoadedRun

__all__ = ["TIMELINE_ROWS", "WITNESS_ROWS", "run_sections", "run_title"]


def run_title(run: LoadedRun) -> str:
    """The page title."""
    return f"o2csim run report: {run.scenario.name}"


def run_sections(run: LoadedRun) -> list[Section]:
    """The report's sections, top to bottom."""
    return [
        summary_section(run),
        scenario_section(run),
        faults_section(run),
        kpis_section(run),
        gates_section(run),
        invariants_section(run),
        alerts_section(run),
        over_time_section(run),
    ]
