"""The run report's KPIs: latencies, volume and quality, delivery health, calls, endpoints.

The numbers are ``metrics.json``'s: each latency metric's percentiles (with the CDF chart
of :func:`sim.report.plots.plot_latency_cdfs`) and its p95 by region and channel, the
volume and fill rate, the delivery-health figures, API calls by system and outcome and
each endpoint's waits and service times.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.report.html.document import Section, details, note
from sim.report.html.images import Chart, figure
from sim.report.html.markup import Markup, join, table
from sim.report.html.numbers import count, decimal, duration, share
from sim.report.html.run_wording import SINGLE_RUN, words
from sim.report.loaded import LoadedRun
from sim.report.plots import plot_latency_cdfs

__all__ = ["kpis_section"]


def _latency_rows(stats: Mapping[str, Any], prefix: str = "") -> list[tuple[object, ...]]:
    return [
        (
            prefix + words(name),
            count(v.get("count")),
            count(v.get("censored")),
            *(duration(v.get(k)) for k in ("mean", "p50", "p95", "p99")),
        )
        for name, v in stats.items()
    ]


def _calls_rows(by_system: Mapping[str, Any]) -> list[tuple[object, ...]]:
    columns = ("calls", "ok", "timeouts", "throttled_429", "errors_5xx", "unavailable")
    return [
        (name, *(count(v.get(c)) for c in columns), decimal(v.get("calls_per_order"), 2))
        for name, v in sorted(by_system.items())
    ]


def _cut_table(cuts: Mapping[str, Any], by: str) -> Markup | None:
    """p95 of each latency metric per region or channel."""
    keys = sorted({key for per in cuts.values() for key in per})
    if not keys:
        return None
    return table(
        ["metric", *keys],
        [
            (words(metric), *(duration((per.get(key) or {}).get("p95")) for key in keys))
            for metric, per in cuts.items()
        ],
        caption=f"p95 by {by}",
        numeric=range(1, len(keys) + 1),
    )


def kpis_section(run: LoadedRun) -> Section:
    """The KPIs section: every table of metrics.json and the latency CDFs."""
    m = run.metrics
    volume = m.get("volume") or {}
    fill = m.get("fill_rate") or {}
    health = m.get("delivery_health") or {}
    dead = health.get("dead_letters") or {}
    exceptions = health.get("exceptions") or {}
    touches = health.get("manual_touches") or {}
    recovery = health.get("recovery") or {}
    latency = table(
        ["metric", "count", "unfinished", "mean", "p50", "p95", "p99"],
        _latency_rows(m.get("latency_s") or {})
        + _latency_rows(m.get("warehouse_s") or {}, "warehouse: "),
        caption="Order-to-cash latencies (finished samples; unfinished ones are counted apart)",
        numeric=range(1, 7),
    )
    quality = table(
        ["KPI", "value"],
        [
            ("orders accepted", count(volume.get("orders_accepted"))),
            ("ERP orders created", count(volume.get("erp_orders_created"))),
            ("orders delivered", count(volume.get("orders_delivered"))),
            ("orders cancelled", count(volume.get("orders_cancelled"))),
            ("orders open at end", count(volume.get("orders_open_at_end"))),
            ("accepted per business day", decimal(volume.get("accepted_per_business_day"), 0)),
            ("unit fill rate", share(fill.get("unit_fill_rate"))),
            (
                "orders complete on first shipment",
                share(fill.get("orders_complete_first_shipment")),
            ),
            (
                "CRM staleness (time-weighted)",
                share((m.get("crm_staleness") or {}).get("stale_share")),
            ),
            ("holds", ", ".join(f"{k} {v}" for k, v in (m.get("holds") or {}).items()) or "none"),
            (
                "exceptions",
                ", ".join(f"{k} {v}" for k, v in (m.get("exceptions") or {}).items()) or "none",
            ),
        ],
        caption="Volume and quality",
        numeric=(1,),
    )
    systems = (health.get("calls") or {}).get("by_system") or {}
    delivery = table(
        ["KPI", "value"],
        [
            ("retries", count(health.get("retries"))),
            ("broker messages published", count(health.get("messages_published"))),
            (
                "dead letters / replayed / dropped",
                " / ".join(count(dead.get(k)) for k in ("count", "replayed", "dropped")),
            ),
            (
                "dead letters waiting at end",
                f"{count(dead.get('depth_at_end'))} (oldest {duration(dead.get('oldest_age_s'))})",
            ),
            (
                "duplicates suppressed",
                count((health.get("duplicates_suppressed_by_source") or {}).get("total")),
            ),
            (
                "stale updates discarded",
                count((health.get("stale_discarded_by_source") or {}).get("total")),
            ),
            (
                "manual touches (per 100 orders)",
                f"{count(touches.get('count'))} ({decimal(touches.get('per_100_orders'))})",
            ),
            (
                "exceptions open at end",
                f"{count(exceptions.get('open_at_end'))} "
                f"(oldest {duration(exceptions.get('oldest_open_age_s'))})",
            ),
            (
                "max recovery after an outage",
                duration(recovery.get("max_recovery_s"))
                if recovery.get("windows")
                else "no outage",
            ),
        ],
        caption="Delivery health",
        numeric=(1,),
    )
    calls = (
        table(
            ["system", "calls", "ok", "timeouts", "429", "5xx", "unavailable", "per order"],
            _calls_rows(systems),
            caption="API calls by system and outcome",
            numeric=range(1, 8),
        )
        if systems
        else None
    )
    endpoints = m.get("endpoints") or {}
    endpoint_table = table(
        [
            "endpoint",
            "calls",
            "served",
            "throttled",
            "unavailable",
            "mean wait",
            "p95 wait",
            "mean service",
        ],
        [
            (
                name,
                *(count(v.get(k)) for k in ("calls", "served", "throttled", "unavailable")),
                *(duration(v.get(k)) for k in ("mean_wait_s", "p95_wait_s", "mean_service_s")),
            )
            for name, v in sorted(endpoints.items())
        ],
        numeric=range(1, 8),
    )
    cuts = [
        _cut_table(m.get("latency_by_region_s") or {}, "region"),
        _cut_table(m.get("latency_by_channel_s") or {}, "channel"),
    ]
    cdfs = Chart(
        "latency_cdf",
        lambda: plot_latency_cdfs(run),
        "latency CDFs",
        "Each latency metric's finished samples as a CDF (log axis): the curve crosses 0.95 "
        "at the metric's p95. The legend gives how many samples never finished.",
    )
    body = join(
        note(SINGLE_RUN),
        latency,
        figure(cdfs),
        details("Latency p95 by region and by channel", *cuts) if any(cuts) else None,
        quality,
        delivery,
        calls,
        details("Endpoints: calls, waits and service times", endpoint_table) if endpoints else None,
    )
    return Section("kpis", "KPIs", body, (cdfs,))
