"""Console tables of a comparison or of a replicated run (rich).

Every KPI cell is ``mean ± half-width`` of the 95% t interval across replications. Under
each pattern other than the reference, a ``Δ vs <reference>`` row gives the paired
difference with its 95% interval, marked ``*`` when the interval excludes zero. The SLA
table gives each pattern's verdicts under the rule of :mod:`sim.verdicts`.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table

from sim.kpis import SYSTEMS, kpi_info

__all__ = ["TABLES", "format_interval", "print_comparison"]

TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Service levels (p95 of finished samples)",
        (
            "order_creation_latency_p95_s",
            "validation_latency_p95_s",
            "allocation_delay_p95_s",
            "shipment_propagation_lag_p95_s",
            "invoice_sync_latency_p95_s",
            "order_cycle_time_p95_s",
        ),
    ),
    (
        "Outcomes",
        (
            "orders_delivered",
            "orders_lost",
            "duplicates",
            "crm_stale_share",
            "unit_fill_rate",
            "orders_open_at_end",
            "exceptions_open_at_end",
        ),
    ),
    ("API calls per order, and the peak use of the system's request limit", SYSTEMS),
    (
        "Operating figures",
        (
            "messages_per_order",
            "manual_touches_per_100_orders",
            "dead_letters",
            "retries",
            "max_recovery_s",
            "cost_per_order",
        ),
    ),
)
"""The KPI tables: title and KPI columns (a system name stands for its calls per order)."""

_SCALES = ((120.0, 1.0, "s"), (7200.0, 60.0, "min"), (172800.0, 3600.0, "h"))


def _decimals(value: float, spread: float | None) -> int:
    """Decimals that show three significant digits of the larger of value and spread."""
    size = max(abs(value), spread or 0.0)
    if size == 0 or not math.isfinite(size):
        return 2
    return min(8, max(0, 2 - math.floor(math.log10(size))))


def format_interval(
    mean: float, half: float | None, unit: str, signed: bool = False, currency: str = "USD"
) -> str:
    """``mean ± half`` in the unit's words (``3.81 ± 0.12 s``, ``12.5 ± 0.3%``, ``-``).

    ``half`` may be NaN or ``None``: only the mean is shown. ``signed`` always shows the
    sign, for differences.
    """
    if mean is None or math.isnan(mean):
        return "-"
    if math.isinf(mean):
        return "inf" if mean > 0 else "-inf"
    spread = half if half is not None and math.isfinite(half) else None
    scale, suffix = 1.0, ""
    if unit == "s":
        size = max(abs(mean), spread or 0.0)
        scale, name = next(((d, s) for top, d, s in _SCALES if size < top), (86400.0, "d"))
        suffix = f" {name}"
    elif unit == "share":
        scale, suffix = 0.01, "%"
    elif unit == "money":
        suffix = f" {currency}"
    value = mean / scale
    digits = _decimals(value, None if spread is None else spread / scale)
    if unit == "share":
        digits = max(digits, 1)
    text = f"{value:{'+' if signed else ''},.{digits}f}"
    if spread is not None:
        text += f" ± {spread / scale:,.{digits}f}"
    return text + suffix


def _cell(cell: dict[str, Any], kpi: str, currency: str, signed: bool = False) -> str:
    text = format_interval(
        cell["mean"], cell["half_width"], kpi_info(kpi).unit, signed=signed, currency=currency
    )
    if signed and cell.get("significant"):
        return f"[bold]{text} *[/bold]"
    return text


def _calls_cell(cells: dict[str, Any], system: str, currency: str, diff: bool) -> str:
    calls = _cell(cells[f"calls_per_order.{system}"], f"calls_per_order.{system}", currency, diff)
    if diff:
        return calls
    use = cells[f"limit_use.{system}"]
    if use["mean"] is None or math.isnan(use["mean"]):
        return f"{calls} (no limit)"
    return f"{calls} ({format_interval(use['mean'], math.nan, 'share')})"


def _kpi_table(summary: dict[str, Any], title: str, kpis: tuple[str, ...]) -> Table:
    currency = summary["costs"].get("currency", "USD")
    reference = summary["reference"]
    table = Table(title=title, title_justify="left")
    table.add_column("pattern")
    calls = kpis == SYSTEMS
    for kpi in kpis:
        table.add_column(kpi if calls else kpi_info(kpi).label, justify="right")
    for label in summary["patterns"]:
        cells = summary["kpis"][label]
        if calls:
            table.add_row(label, *(_calls_cell(cells, s, currency, False) for s in kpis))
        else:
            table.add_row(label, *(_cell(cells[k], k, currency) for k in kpis))
        differences = summary["differences"].get(label)
        if differences is None:
            continue
        names = [f"calls_per_order.{s}" for s in kpis] if calls else list(kpis)
        table.add_row(
            f"  Δ vs {reference}",
            *(_cell(differences[k], k, currency, signed=True) for k in names),
            style="dim",
        )
    return table


def _rule(summary: dict[str, Any]) -> tuple[int, int, float]:
    """(replications, Bonferroni k, the one-sided level in percent) of the verdict rule."""
    rule = summary["sla_rule"]
    k = rule["bonferroni_k"]
    return summary["replications"], k, 100 * (1 - rule["family_alpha"] / k)


def _verdict(passed: bool) -> str:
    return "[green]pass[/green]" if passed else "[red]FAIL[/red]"


def _sla_table(summary: dict[str, Any]) -> Table:
    n, k, level = _rule(summary)
    table = Table(
        title=(
            f"SLA verdicts across {n} replications: passes when the one-sided {level:.4g}% "
            f"upper bound (t, {n - 1} dof; Bonferroni over {k} SLAs) is within the target"
        ),
        title_justify="left",
    )
    for column in ("pattern", "SLA", "target", "statistic (95% CI)", "upper bound"):
        table.add_column(column, justify="left" if column in ("pattern", "SLA") else "right")
    table.add_column("compliance", justify="right")
    table.add_column("verdict")
    for label in summary["patterns"]:
        cells = summary["kpis"][label]
        for metric, v in summary["sla"][label].items():
            compliance = cells.get(f"sla_compliance.{metric}", {})
            table.add_row(
                label,
                metric.replace("_", " "),
                f"p{v['percentile']:g} <= {format_interval(v['max_s'], math.nan, 's')}",
                format_interval(v["mean"], v["half_width"], "s"),
                format_interval(v["upper_bound"], math.nan, "s"),
                format_interval(
                    compliance.get("mean", math.nan), compliance.get("half_width"), "share"
                ),
                _verdict(v["passed"]),
            )
    return table


def _threshold_table(summary: dict[str, Any]) -> Table:
    n, k, level = _rule(summary)
    table = Table(
        title=(
            f"Thresholds across {n} replications: < and <= judged on the one-sided {level:.4g}% "
            f"upper bound, > and >= on the lower bound (Bonferroni over {k} gates); == only "
            "when every replication equals the limit"
        ),
        title_justify="left",
    )
    for column in ("pattern", "threshold", "mean (95% CI)", "bound", "verdict"):
        table.add_column(
            column, justify="right" if column in ("mean (95% CI)", "bound") else "left"
        )
    for label in summary["patterns"]:
        for line, v in summary["thresholds"][label].items():
            table.add_row(
                label,
                line,
                format_interval(v["mean"], v["half_width"], ""),
                format_interval(v["bound"], math.nan, ""),
                _verdict(v["passed"]),
            )
    return table


def print_comparison(summary: dict[str, Any], console: Console, workers: int = 1) -> None:
    """Print a comparison's (or a replicated run's) summary as rich tables."""
    n = summary["replications"]
    crn = summary["common_random_numbers"]
    several = len(summary["patterns"]) > 1
    console.print(
        f"[bold]{summary['scenario']}[/bold]  {n} replications of study seed "
        f"{summary['study_seed']}  patterns {', '.join(summary['patterns'])}"
        + (f"  reference {summary['reference']}" if several else "")
        + f"  workers {workers}",
        highlight=False,
    )
    console.print(
        f"cells: mean ± half-width of the 95% CI across {n} replications ('-': no value, "
        "e.g. no finished sample or no outage)"
        + (
            f"; Δ rows: paired difference from {summary['reference']} (paired t), "
            "* where its 95% CI excludes 0"
            if several
            else ""
        ),
        highlight=False,
    )
    if several and not (crn["same_orders"] and crn["same_fault_timeline"]):
        console.print(
            "[yellow]warning:[/yellow] the patterns did not all take the same orders and "
            "fault timeline in every replication; differences include demand noise"
        )
    for title, kpis in TABLES:
        console.print(_kpi_table(summary, title, kpis))
    if any(summary["sla"].values()):
        console.print(_sla_table(summary))
    if any(summary.get("thresholds", {}).values()):
        console.print(_threshold_table(summary))
