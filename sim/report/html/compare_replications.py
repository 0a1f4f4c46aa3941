"""The comparison report's replications: each replication's own figures and histories.

From ``replications.parquet``: a row per pattern and replication with its seed and key
KPIs, what the intervals summarise; and each run's history SHA-256 from ``summary.json``.
Replication i of every pattern ran with the same seed, so any one can be run again alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.kpis import kpi_info
from sim.report.compare import format_interval
from sim.report.html.compare_cells import NAN, currency_of
from sim.report.html.document import Section, details, note
from sim.report.html.markup import Markup, element, join, table
from sim.report.html.numbers import count, share
from sim.report.loaded import LoadedComparison

__all__ = ["replications_section"]


_REPLICATION_KPIS = (
    "order_creation_latency_p95_s",
    "order_cycle_time_p95_s",
    "orders_delivered",
    "crm_stale_share",
    "messages_per_order",
    "manual_touches_per_100_orders",
    "dead_letters",
    "retries",
    "cost_per_order",
)


def _cell(value: float, kpi: str, currency: str) -> str:
    unit = kpi_info(kpi).unit
    if unit == "count":
        return count(value)
    if unit == "share":
        return share(value)
    return format_interval(value, NAN, unit, currency=currency)


def replications_section(loaded: LoadedComparison) -> Section:
    """The Replications section: a row per pattern and replication, the history hashes."""
    tidy = loaded.tidy
    currency = currency_of(loaded.summary)
    kpis = [k for k in _REPLICATION_KPIS if k in set(tidy["kpi"].astype(str))]
    wide = (
        tidy.assign(kpi=tidy["kpi"].astype(str), pattern=tidy["pattern"].astype(str))
        .drop_duplicates(["pattern", "replication", "seed", "kpi"])
        .set_index(["pattern", "replication", "seed", "kpi"])["value"]
        .unstack("kpi")
        .reindex(columns=kpis)
    )
    order = {label: i for i, label in enumerate(loaded.summary["patterns"])}
    keys = sorted(wide.index, key=lambda key: (order.get(str(key[0]), len(order)), key[1]))
    rows = [
        (
            pattern,
            replication,
            element("code", seed),
            *(_cell(float(wide.loc[(pattern, replication, seed), k]), k, currency) for k in kpis),
        )
        for pattern, replication, seed in keys
    ]
    return Section(
        "replications",
        "Replications",
        join(
            note(
                "Each replication's own figures, from replications.parquet: what the intervals "
                "above summarise. Replication i of every pattern ran with the same seed, so "
                "o2csim run SCENARIO --seed STUDY_SEED --replication i reproduces it alone."
            ),
            table(
                ["pattern", "replication", "seed", *(kpi_info(k).label for k in kpis)],
                rows,
                numeric=range(1, len(kpis) + 3),
            ),
            _histories(loaded.summary),
        ),
    )


def _histories(summary: Mapping[str, Any]) -> Markup | None:
    hashes = summary.get("history_sha256") or {}
    if not hashes:
        return None
    return details(
        "History SHA-256 of every run",
        table(
            ["pattern", "replication", "history SHA-256"],
            [
                (label, i, element("code", digest))
                for label, digests in hashes.items()
                for i, digest in enumerate(digests)
            ],
        ),
    )
