"""The comparison report's KPI tables: each pattern's intervals and its paired differences.

A table per group of KPIs (:data:`sim.report.compare.TABLES`, the console's groups and
cells): a row per pattern with each KPI's mean and 95% interval, and below it a Δ row of
the paired difference from the reference pattern, bold where it is significant after
Holm's adjustment. The Comparison section holds the first two groups and every difference
with its p-values; the operating figures (:mod:`sim.report.html.compare_operating`) the
rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.kpis import SYSTEMS, kpi_info
from sim.report.compare import TABLES, format_interval
from sim.report.html.compare_cells import NAN, as_float, currency_of, interval, several_patterns
from sim.report.html.document import Section, badge, details, note
from sim.report.html.markup import Markup, element, join, table
from sim.report.loaded import LoadedComparison

__all__ = ["comparison_section", "kpi_table", "method_note"]


def _difference(cell: Mapping[str, Any] | None, unit: str, currency: str) -> Markup:
    text = interval(cell, unit, currency, signed=True)
    if cell and cell.get("significant"):
        return element("strong", f"{text} *")
    return element("span", text)


def kpi_table(summary: Mapping[str, Any], title: str, kpis: Sequence[str]) -> Markup:
    """A row per pattern of the KPIs' intervals, each followed by its Δ row."""
    currency = currency_of(summary)
    reference = summary["reference"]
    calls = tuple(kpis) == SYSTEMS
    names = [f"calls_per_order.{s}" for s in kpis] if calls else list(kpis)
    header = ["pattern", *(kpis if calls else [kpi_info(k).label for k in kpis])]
    rows: list[Sequence[object]] = []
    classes: dict[int, str] = {}
    for label in summary["patterns"]:
        cells = summary["kpis"].get(label) or {}
        if calls:
            row: list[object] = [label]
            for system in kpis:
                text = interval(cells.get(f"calls_per_order.{system}"), "ratio", currency)
                use = as_float((cells.get(f"limit_use.{system}") or {}).get("mean"))
                row.append(
                    f"{text} (no limit)"
                    if math.isnan(use)
                    else f"{text} ({format_interval(use, NAN, 'share')} of limit)"
                )
            rows.append(row)
        else:
            rows.append(
                [label, *(interval(cells.get(k), kpi_info(k).unit, currency) for k in kpis)]
            )
        differences = (summary.get("differences") or {}).get(label)
        if differences is None:
            continue
        classes[len(rows)] = "diff"
        rows.append(
            [
                f"Δ vs {reference}",
                *(_difference(differences.get(n), kpi_info(n).unit, currency) for n in names),
            ]
        )
    return table(header, rows, caption=title, numeric=range(1, len(header)), row_classes=classes)


def method_note(summary: Mapping[str, Any]) -> Markup:
    """How to read the cells and the Δ rows."""
    n = summary["replications"]
    text = (
        f"Cells: mean ± half-width of the 95% confidence interval (t, {n - 1} degrees of "
        f"freedom) across {n} replications; '-' means no value (no finished sample, no "
        "outage, or a figure that was infinite)."
    )
    if several_patterns(summary):
        text += (
            f" Δ rows: the paired difference from {summary['reference']} (same replication "
            "seeds, paired t) with its 95% interval; * and bold where it is significant after "
            "Holm's adjustment across that pattern's KPIs (p_adjusted < 0.05)."
        )
    return note(text)


def comparison_section(loaded: LoadedComparison) -> Section:
    """The Comparison section: latency and quality tables, every difference's p-values."""
    summary = loaded.summary
    tables = [kpi_table(summary, title, kpis) for title, kpis in TABLES[:2]]
    return Section(
        "comparison", "Comparison", join(method_note(summary), tables, _p_values(summary))
    )


def _p_values(summary: Mapping[str, Any]) -> Markup | None:
    differences = summary.get("differences") or {}
    if not differences:
        return None
    currency = currency_of(summary)
    rows = [
        (
            label,
            kpi_info(kpi).label if "." not in kpi else kpi,
            interval(cell, kpi_info(kpi).unit, currency, signed=True),
            f"{as_float(cell.get('p_value')):.3g}",
            f"{as_float(cell.get('p_adjusted')):.3g}",
            badge(
                None
                if math.isnan(as_float(cell.get("p_value")))
                else bool(cell.get("significant")),
                "significant",
                "no",
            ),
        )
        for label, cells in differences.items()
        for kpi, cell in cells.items()
    ]
    return details(
        f"Every paired difference from {summary['reference']}, with its p-value and "
        "Holm-adjusted p-value",
        table(
            ["pattern", "KPI", "difference (95% CI)", "p", "p (Holm)", "significant"],
            rows,
            numeric=(2, 3, 4),
        ),
    )
