"""The comparison report's operating figures: calls, volumes, totals and unit costs.

The remaining KPI groups of :data:`sim.report.compare.TABLES` (calls per order against the
systems' limits, messages, touches and costs), the totals per run, and the unit costs the
cost per order was computed with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.report.compare import TABLES
from sim.report.html.compare_cells import currency_of
from sim.report.html.compare_tables import kpi_table, method_note
from sim.report.html.document import Section
from sim.report.html.markup import join, table
from sim.report.loaded import LoadedComparison

__all__ = ["operating_section"]


def operating_section(loaded: LoadedComparison) -> Section:
    """The Operating figures section: the remaining KPI tables and the cost assumptions."""
    summary = loaded.summary
    currency = currency_of(summary)
    extra = ("messages_published", "manual_touches", "dead_letters_at_end")
    tables = [kpi_table(summary, title, kpis) for title, kpis in TABLES[2:]]
    tables.append(kpi_table(summary, "Totals per run", extra))
    costs = summary.get("costs") or {}
    cost_rows = [
        (name.replace("_", " "), value if not isinstance(value, dict) else _mapping(value))
        for name, value in costs.items()
    ]
    return Section(
        "operating",
        "Operating figures",
        join(
            method_note(summary),
            tables,
            table(
                ["unit cost", "value"],
                cost_rows,
                caption=f"Cost assumptions behind cost per order ({currency}; o2csim compare "
                "--costs FILE or --cost field=value; defaults in docs/methodology.md)",
            )
            if cost_rows
            else None,
        ),
    )


def _mapping(value: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
