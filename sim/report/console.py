"""The run summary printed by the CLI (rich tables)."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table

from sim.returns_metrics import RETURN_LATENCIES
from sim.run import RunResult

__all__ = ["print_summary", "format_duration"]


def format_duration(seconds: float) -> str:
    """Seconds as a short human duration (``0.84 s``, ``7.5 min``, ``3.2 h``, ``2.4 d``)."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if seconds < 120:
        return f"{seconds:.2f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.2f} d"


def _share(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{100 * value:.1f}%" if value >= 0.01 or value == 0 else f"{100 * value:.3f}%"


def _decimal(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:,.1f}"


def _oldest(count: int, age_s: float) -> str:
    return f"{count:,} (oldest {format_duration(age_s)})" if count else "0"


def _print_delivery_health(health: dict[str, Any], console: Console) -> None:
    """Retries, failed calls, dead letters, suppressed copies, manual work and recovery."""
    systems = health["calls"]["by_system"].values()
    dead = health["dead_letters"]
    exceptions = health["exceptions"]
    recovery = health["recovery"]
    table = Table(title="Delivery health", title_justify="left")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    table.add_row("retries", f"{health['retries']:,}")
    table.add_row("call timeouts", f"{sum(s['timeouts'] for s in systems):,}")
    table.add_row("calls throttled (429)", f"{sum(s['throttled_429'] for s in systems):,}")
    table.add_row("dead letters / replayed", f"{dead['count']:,} / {dead['replayed']:,}")
    table.add_row(
        "dead letters waiting at end", _oldest(dead["depth_at_end"], dead["oldest_age_s"])
    )
    table.add_row(
        "duplicates / stale suppressed",
        f"{health['duplicates_suppressed_by_source']['total']:,} / "
        f"{health['stale_discarded_by_source']['total']:,}",
    )
    table.add_row(
        "manual touches per 100 orders", _decimal(health["manual_touches"]["per_100_orders"])
    )
    table.add_row(
        "exceptions open at end",
        _oldest(exceptions["open_at_end"], exceptions["oldest_open_age_s"]),
    )
    if recovery["windows"]:
        censored = f", {recovery['censored']} not recovered" if recovery["censored"] else ""
        table.add_row(
            "max recovery after an outage",
            f"{format_duration(recovery['max_recovery_s'])}{censored}",
        )
    console.print(table)


def print_summary(
    result: RunResult, console: Console, study: tuple[int, int] | None = None
) -> None:
    """Volume, latency KPIs with p50/p95/p99, quality KPIs and single-run SLA verdicts.

    ``study`` is ``(study seed, replication index)`` when the run is one replication of a
    study run on its own.
    """
    m: dict[str, Any] = result.metrics
    volume = m["volume"]
    of_study = "" if study is None else f" (replication {study[1]} of study seed {study[0]})"
    console.print(
        f"[bold]{result.scenario.name}[/bold]  seed {result.seed}{of_study}  "
        f"{result.horizon_s / 86400:.1f} simulated days  {len(result.history):,} history rows  "
        f"simulated in {result.wall_seconds.get('simulate', math.nan):.1f} s"
    )
    latency = Table(title="Order-to-cash latencies", title_justify="left")
    for column in ("metric", "count", "unfinished", "mean", "p50", "p95", "p99"):
        latency.add_column(column, justify="left" if column == "metric" else "right")
    for name, stats in m["latency_s"].items():
        if name in RETURN_LATENCIES and not stats["count"] + stats["censored"]:
            continue  # a world without returns
        latency.add_row(
            name.replace("_", " "),
            f"{stats['count']:,}",
            f"{stats['censored']:,}",
            *(format_duration(stats[k]) for k in ("mean", "p50", "p95", "p99")),
        )
    for name, stats in m["warehouse_s"].items():
        latency.add_row(
            f"warehouse: {name.replace('_', ' ')}",
            f"{stats['count']:,}",
            f"{stats['censored']:,}",
            *(format_duration(stats[k]) for k in ("mean", "p50", "p95", "p99")),
            style="dim",
        )
    console.print(latency)
    kpis = Table(title="Volume and quality", title_justify="left")
    kpis.add_column("KPI")
    kpis.add_column("value", justify="right")
    kpis.add_row("orders accepted", f"{volume['orders_accepted']:,}")
    kpis.add_row("ERP orders created", f"{volume['erp_orders_created']:,}")
    kpis.add_row("orders delivered", f"{volume['orders_delivered']:,}")
    kpis.add_row("orders cancelled", f"{volume['orders_cancelled']:,}")
    kpis.add_row("orders open at end", f"{volume['orders_open_at_end']:,}")
    kpis.add_row(
        "throughput (accepted / business day)", f"{volume['accepted_per_business_day']:,.0f}"
    )
    kpis.add_row("unit fill rate", _share(m["fill_rate"]["unit_fill_rate"]))
    kpis.add_row(
        "orders complete on first shipment",
        _share(m["fill_rate"]["orders_complete_first_shipment"]),
    )
    kpis.add_row("CRM staleness (time-weighted)", _share(m["crm_staleness"]["stale_share"]))
    holds = ", ".join(f"{k} {v}" for k, v in m["holds"].items()) or "none"
    kpis.add_row("holds", holds)
    exceptions = ", ".join(f"{k} {v}" for k, v in m["exceptions"].items()) or "none"
    kpis.add_row("exceptions", exceptions)
    console.print(kpis)
    _print_delivery_health(m["delivery_health"], console)
    if m["sla"]:
        sla = Table(
            title="SLA verdicts (single run: this run's percentile against the target)",
            title_justify="left",
        )
        for column in ("metric", "target", "observed", "compliance", "verdict"):
            sla.add_column(column)
        for name, v in m["sla"].items():
            sla.add_row(
                name.replace("_", " "),
                f"p{v['percentile']:g} <= {format_duration(v['max_s'])}",
                format_duration(v["observed_s"]),
                _share(v["compliance"]),
                "[green]pass[/green]" if v["passed"] else "[red]FAIL[/red]",
            )
        console.print(sla)
    if m.get("thresholds"):
        console.print(threshold_table(m["thresholds"]))
    if m.get("alerts", {}).get("rules"):
        console.print(alert_table(m["alerts"]))
        if m["alerts"]["faults"]:
            console.print(detection_table(m["alerts"]))


def _hours(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 3600:.2f} h"


def alert_table(alerts: dict[str, Any]) -> Table:
    """Each alert rule: what it watches, how often it fired, its first episode."""
    table = Table(title="Alerts (fired and cleared, simulated hours)", title_justify="left")
    for column in ("alert", "signal", "above", "fired", "first fired", "first cleared"):
        table.add_column(column)
    for name, rule in alerts["rules"].items():
        first = rule["episodes"][0] if rule["episodes"] else {}
        window = f" over {format_duration(rule['window_s'])}" if rule["window_s"] else ""
        table.add_row(
            name,
            rule["signal"] + window,
            f"{rule['above']:g}",
            str(rule["fired"]),
            _hours(first.get("fired_s")),
            _hours(first.get("cleared_s")) if first else "-",
        )
    return table


def detection_table(alerts: dict[str, Any]) -> Table:
    """Each fault window: which alert caught it first, time to detect and to recover."""
    table = Table(title="Time to detect and to recover, per fault window", title_justify="left")
    for column in ("fault", "target", "window (h)", "detected by", "to detect", "to recover"):
        table.add_column(column)
    for fault in alerts["faults"]:
        end = fault["end_s"]
        span = f"{fault['start_s'] / 3600:.1f}-" + (
            "end" if end is None or not math.isfinite(end) else f"{end / 3600:.1f}"
        )
        table.add_row(
            fault["kind"],
            fault["target"],
            span,
            fault["detected_by"] or "[red]not detected[/red]",
            format_duration(fault["time_to_detect_s"]),
            format_duration(fault["time_to_recover_s"]),
        )
    return table


def _figure(value: object) -> str:
    """A threshold's observed figure: up to four significant digits, '-' when missing."""
    return "-" if value is None else f"{float(value):.4g}"  # type: ignore[arg-type]


def threshold_table(thresholds: dict[str, Any]) -> Table:
    """The single-run verdict on each threshold line (figures in seconds or shares)."""
    table = Table(
        title="Thresholds (single run: this run's figure against the line)",
        title_justify="left",
    )
    for column in ("threshold", "figure", "observed", "verdict"):
        table.add_column(column)
    for line, v in thresholds.items():
        table.add_row(
            line,
            v["figure"] or v.get("error", ""),
            _figure(v["observed"]),
            "[green]pass[/green]" if v["passed"] else "[red]FAIL[/red]",
        )
    return table
