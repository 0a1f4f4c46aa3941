"""The report of a comparison folder: KPIs with intervals, paired differences, verdicts, costs.

It reads ``summary.json`` (the intervals, the paired differences with their Holm-adjusted
p-values, the SLA and threshold verdicts across replications, the unit costs) and
``replications.parquet`` (each replication's figures), as ``o2csim compare --out`` or
``o2csim run --replications N --out`` wrote them. The tables are the console's
(:mod:`sim.report.compare`), with the same cells; the SLA chart is
:func:`sim.report.plots.plot_sla_compliance`.

This module puts the sections in order; each is built by a module of its own:
:mod:`~sim.report.html.compare_summary`, :mod:`~sim.report.html.compare_tables` (KPI
tables and differences), :mod:`~sim.report.html.compare_gates` (SLAs and thresholds),
:mod:`~sim.report.html.compare_operating` and :mod:`~sim.report.html.compare_replications`;
:mod:`~sim.report.html.compare_cells` writes their cells.
"""

from __future__ import annotations

from sim.report.html.compare_gates import slas_section, thresholds_section
from sim.report.html.compare_operating import operating_section
from sim.report.html.compare_replications import replications_section
from sim.report.html.compare_summary import summary_section
from sim.report.html.compare_tables import comparison_section
from sim.report.html.document import Section
from sim.report.loaded import LoadedComparison

__all__ = ["compare_sections", "compare_title"]


def compare_title(loaded: LoadedComparison) -> str:
    """The page title."""
    return f"o2csim comparison report: {loaded.summary['scenario']}"


def compare_sections(loaded: LoadedComparison) -> list[Section]:
    """The report's sections, top to bottom."""
    return [
        summary_section(loaded),
        comparison_section(loaded),
        slas_section(loaded),
        thresholds_section(loaded),
        operating_section(loaded),
        replications_section(loaded),
    ]
