"""The figures an architect compares across replications and patterns, one number each.

:func:`replication_statistics` reduces one run to a flat ``{kpi: value}`` mapping: the
statistic each replication contributes to a confidence interval (docs/methodology.md,
"Replications and confidence intervals": summarise each replication first). It reads the
run's metrics and, for lost orders and duplicates, two history checkers; it runs where the
history is (a worker process), so only these numbers need to travel back.

:data:`KPIS` describes each figure: a label, its unit, its group in the console tables and
whether lower is better. Names with a system or SLA metric in them (``calls_per_order.crm``,
``sla.order_creation_latency``) are described by :func:`kpi_info`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from sim.checks import as_table, no_duplicates, no_lost_orders
from sim.run import RunResult

__all__ = [
    "KPIS",
    "SYSTEMS",
    "Kpi",
    "Unit",
    "kpi_info",
    "replication_statistics",
    "statistics_from_metrics",
]

SYSTEMS = ("crm", "erp", "wms", "carrier")
"""The systems whose API calls are counted, in display order."""

Unit = Literal["s", "share", "count", "ratio", "money"]


@dataclass(frozen=True)
class Kpi:
    """How one figure is named, shown and read."""

    label: str
    unit: Unit
    group: str
    lower_is_better: bool = True


_LATENCIES = {
    "order_creation_latency": "order creation",
    "validation_latency": "validation",
    "allocation_delay": "allocation delay",
    "shipment_propagation_lag": "shipment propagation",
    "invoice_sync_latency": "invoice sync",
    "billing_delay": "billing delay",
    "order_cycle_time": "order cycle time",
}

KPIS: dict[str, Kpi] = {
    **{f"{name}_p95_s": Kpi(f"{label} p95", "s", "service") for name, label in _LATENCIES.items()},
    "pick_queue_wait_p95_s": Kpi("pick queue wait p95", "s", "service"),
    "orders_accepted": Kpi("orders accepted", "count", "outcome", lower_is_better=False),
    "orders_delivered": Kpi("delivered", "count", "outcome", lower_is_better=False),
    "delivered_share": Kpi("delivered share", "share", "outcome", lower_is_better=False),
    "orders_lost": Kpi("lost", "count", "outcome"),
    "duplicates": Kpi("duplicates", "count", "outcome"),
    "crm_stale_share": Kpi("CRM staleness", "share", "outcome"),
    "crm_ground_truth_stale_share": Kpi("CRM staleness vs physical", "share", "outcome"),
    "on_time_share": Kpi("on-time delivery", "share", "outcome", lower_is_better=False),
    "late_orders": Kpi("late orders", "count", "outcome"),
    "unit_fill_rate": Kpi("unit fill rate", "share", "outcome", lower_is_better=False),
    "orders_open_at_end": Kpi("open at end", "count", "outcome"),
    "exceptions_open_at_end": Kpi("exceptions open", "count", "outcome"),
    "messages_published": Kpi("broker messages", "count", "operating"),
    "messages_per_order": Kpi("messages / order", "ratio", "operating"),
    "manual_touches": Kpi("manual touches", "count", "operating"),
    "manual_touches_per_100_orders": Kpi("touches / 100 orders", "ratio", "operating"),
    "dead_letters": Kpi("dead letters", "count", "operating"),
    "dead_letters_at_end": Kpi("dead letters at end", "count", "operating"),
    "retries": Kpi("retries", "count", "operating"),
    "max_recovery_s": Kpi("max recovery", "s", "operating"),
    "horizon_h": Kpi("simulated hours", "ratio", "operating"),
    "cost_per_order": Kpi("cost / order", "money", "operating"),
}
"""Figures with fixed names; see :func:`kpi_info` for the per-system and per-SLA ones."""


def kpi_info(name: str) -> Kpi:
    """The description of the figure ``name``.

    Besides :data:`KPIS`: ``calls.<system>``, ``calls_per_order.<system>``,
    ``limit_use.<system>``, ``sla.<metric>`` and ``sla_compliance.<metric>``.
    """
    if name in KPIS:
        return KPIS[name]
    family, _, part = name.partition(".")
    if family == "calls":
        return Kpi(f"{part} calls", "count", "calls")
    if family == "calls_per_order":
        return Kpi(f"{part} calls / order", "ratio", "calls")
    if family == "limit_use":
        return Kpi(f"{part} peak limit use", "share", "calls")
    if family == "sla":
        return Kpi(f"SLA statistic {part}", "s", "sla")
    if family == "sla_compliance":
        return Kpi(f"SLA compliance {part}", "share", "sla", lower_is_better=False)
    raise KeyError(f"unknown KPI {name!r}")


def _number(value: Any) -> float:
    """A metric as a float; ``None`` (a JSON null) and missing values are NaN."""
    return math.nan if value is None else float(value)


def _limit_use(health: dict[str, Any], system: str) -> float:
    """The peak use of the system's most used request limit; NaN when it has none."""
    uses = [
        float(limit["peak_utilisation"])
        for limit in health.get("api_limit_use", ())
        if str(limit["endpoint"]).split(".")[0] == system
    ]
    return max(uses) if uses else math.nan


def statistics_from_metrics(metrics: dict[str, Any], horizon_s: float) -> dict[str, float]:
    """Every figure that a run's metrics alone give (all of them but lost and duplicates)."""
    volume = metrics["volume"]
    health = metrics["delivery_health"]
    accepted = int(volume["orders_accepted"])
    stats: dict[str, float] = {
        f"{name}_p95_s": _number(metrics["latency_s"][name]["p95"]) for name in _LATENCIES
    }
    warehouse = metrics.get("warehouse_s", {}).get("pick_queue_wait", {})
    stats.update(
        {
            "pick_queue_wait_p95_s": _number(warehouse.get("p95")),
            "orders_accepted": float(accepted),
            "orders_delivered": float(volume["orders_delivered"]),
            "delivered_share": volume["orders_delivered"] / accepted if accepted else math.nan,
            "crm_stale_share": _number(metrics["crm_staleness"]["stale_share"]),
            "crm_ground_truth_stale_share": _number(
                metrics.get("crm_staleness_ground_truth", {}).get("stale_share")
            ),
            "on_time_share": _number(metrics.get("promise", {}).get("on_time_share")),
            "late_orders": _number(metrics.get("promise", {}).get("late_orders")),
            "unit_fill_rate": _number(metrics["fill_rate"]["unit_fill_rate"]),
            "orders_open_at_end": float(volume["orders_open_at_end"]),
            "exceptions_open_at_end": float(health["exceptions"]["open_at_end"]),
            "messages_published": float(health["messages_published"]),
            "messages_per_order": (
                health["messages_published"] / accepted if accepted else math.nan
            ),
            "manual_touches": float(health["manual_touches"]["count"]),
            "manual_touches_per_100_orders": _number(health["manual_touches"]["per_100_orders"]),
            "dead_letters": float(health["dead_letters"]["count"]),
            "dead_letters_at_end": float(health["dead_letters"]["depth_at_end"]),
            "retries": float(health["retries"]),
            "max_recovery_s": _number(health["recovery"].get("max_recovery_s")),
            "horizon_h": horizon_s / 3600.0,
        }
    )
    by_system = health["calls"]["by_system"]
    for system in SYSTEMS:
        calls = float(by_system.get(system, {}).get("calls", 0))
        stats[f"calls.{system}"] = calls
        stats[f"calls_per_order.{system}"] = calls / accepted if accepted else math.nan
        stats[f"limit_use.{system}"] = _limit_use(health, system)
    for metric, verdict in metrics.get("sla", {}).items():
        stats[f"sla.{metric}"] = _number(verdict["observed_s"])
        stats[f"sla_compliance.{metric}"] = _number(verdict["compliance"])
    return stats


def replication_statistics(result: RunResult) -> dict[str, float]:
    """One run as ``{kpi: value}``, computed where its history is.

    :func:`statistics_from_metrics`, plus the orders the no-lost-orders checker finds lost
    and the duplicate ERP orders, dispatches and invoices the no-duplicates checker finds.
    """
    stats = statistics_from_metrics(result.metrics, result.horizon_s)
    frame = as_table(result.history)
    lost = no_lost_orders(frame).counts
    duplicated = no_duplicates(frame).counts
    stats["orders_lost"] = float(lost["lost"])
    stats["duplicates"] = float(
        duplicated["duplicate_creates"]
        + duplicated["duplicate_dispatches"]
        + duplicated["duplicate_invoices"]
    )
    return stats
