"""KPIs and SLA verdicts computed from the history alone (DOMAIN.md, "What is measured").

Latencies (:mod:`sim.latencies` takes their samples) are reported as count, censored, mean
and p50/p95/p99 in seconds, overall and cut by region and channel; a censored sample
(started, never finished) is left out of the statistics, counted, and a miss for SLA
verdicts. Besides: CRM staleness (:mod:`sim.staleness`), fill rate, throughput, holds and
exceptions, batch windows (:mod:`sim.batch_windows`), delivery health (retries, call
outcomes, dead letters, manual touches, API limit use, recovery after outages:
:mod:`sim.delivery_health`), the utilisation and queue of every resource
(:mod:`sim.utilisation`), promises (:mod:`sim.promise`), allocation delay by cause
(:mod:`sim.allocation_causes`), CRM staleness against the physical truth, backlog age
(:mod:`sim.backlog_age`) and exception rates (:mod:`sim.exception_rates`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.alerts import alert_report
from sim.allocation_causes import allocation_delay_causes
from sim.backlog_age import backlog_age
from sim.batch_windows import batch_windows
from sim.delivery_health import delivery_health
from sim.engine import History
from sim.engine.calendar import DAY
from sim.exception_rates import exception_rates
from sim.history_frame import accepted_rows, history_table, name_groups, rows
from sim.history_table import HistoryTable, Rows
from sim.latencies import allocation_window, latency_frames, latency_samples, order_attributes
from sim.master_data_metrics import sync_lag_orders
from sim.promise import promise_kpis
from sim.returns_metrics import return_counts
from sim.scenario import LATENCY_METRICS, SlaTarget
from sim.scenario.alerts import AlertRule
from sim.staleness import (
    TERMINAL_STATUSES,
    crm_staleness,
    crm_staleness_spans,
    ground_truth_staleness,
)
from sim.thresholds import censored_percentile, threshold_results
from sim.utilisation import hourly_resources, resource_series, summarise_resources

__all__ = [
    "LATENCY_METRICS",
    "after_warmup",
    "compute_metrics",
    "resource_sections",
    "crm_staleness",
    "crm_staleness_spans",
    "latency_samples",
    "sla_verdicts",
    "summarize",
]

_TERMINAL = TERMINAL_STATUSES


def summarize(values: pd.Series | np.ndarray) -> dict[str, float]:
    """Count, mean and p50/p95/p99 of the finished samples, and how many are censored.

    A NaN is a censored sample: the interval started but had not ended when the run did
    (an order never created, a milestone never shown in CRM). It is left out of the
    statistics and counted in ``censored``.
    """
    data = np.asarray(values, dtype=float)
    finished = data[~np.isnan(data)]
    censored = int(data.size - finished.size)
    if finished.size == 0:
        return {
            "count": 0,
            "censored": censored,
            "mean": math.nan,
            "p50": math.nan,
            "p95": math.nan,
            "p99": math.nan,
        }
    p50, p95, p99 = np.percentile(finished, [50, 95, 99])
    return {
        "count": int(finished.size),
        "censored": censored,
        "mean": float(finished.mean()),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
    }


def _cut(lags: pd.DataFrame, attrs: pd.DataFrame, by: str) -> dict[str, dict[str, float]]:
    labelled = lags.join(attrs[[by]], on="order")
    return {str(key): summarize(group["lag"]) for key, group in labelled.groupby(by)}


def _fill_rate(frame: Rows, attrs: pd.DataFrame) -> dict[str, float]:
    shipped = rows(frame, "erp.shipment_dispatched")
    if shipped.empty:
        return {
            "unit_fill_rate": math.nan,
            "orders_complete_first_shipment": math.nan,
            "orders_shipped": 0,
        }
    first = shipped.sort_values("time", kind="stable").groupby("order")["value"].first()
    ordered = attrs["units"].reindex(first.index)
    return {
        "unit_fill_rate": float(first.sum() / ordered.sum()),
        "orders_complete_first_shipment": float((first >= ordered).mean()),
        "orders_shipped": int(first.size),
    }


def _warehouse(frame: Rows) -> dict[str, dict[str, float]]:
    """Per delivery: pick release -> picker starts (queue), and pick start -> packed (work)."""
    released = rows(frame, "wms.pick_released").groupby("subject")["time"].min()
    started = rows(frame, "wms.pick_started").groupby("subject")["time"].min()
    packed = rows(frame, "wms.packed").groupby("subject")["time"].min()
    return {
        "pick_queue_wait": summarize((started - released).dropna()),
        "pick_and_pack_time": summarize((packed - started).dropna()),
    }


def _counts(frame: Rows, event: str) -> dict[str, int]:
    selected = rows(frame, event)
    counts = selected["status"].astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.sort_index().items()}


_OUTCOMES = ("ok", "throttled", "unavailable")


def _endpoints(frame: Rows) -> dict[str, dict[str, float]]:
    """Per endpoint: calls by outcome, and the served calls' wait and service times.

    The calls are read a column at a time (outcomes first, then waits, then service
    times): they are the most numerous rows of a run.
    """
    calls = rows(frame, "endpoint.call", columns=("actor", "status"))
    # outcomes compared as category codes: a string per call would be ~8 bytes a row more
    status = calls["status"].cat.codes.to_numpy()
    code = dict(
        zip(_OUTCOMES, calls["status"].cat.categories.get_indexer(pd.Index(_OUTCOMES)), strict=True)
    )
    result: dict[str, dict[str, float]] = {}
    served_at: list[np.ndarray] = []
    for actor, picked in name_groups(calls["actor"]):
        outcome = status[picked]
        ok = outcome == code["ok"]
        served_at.append(picked[ok])
        result[actor.removeprefix("endpoint:")] = {
            "calls": len(picked),
            "served": int(ok.sum()),
            "throttled": int((outcome == code["throttled"]).sum()),
            "unavailable": int((outcome == code["unavailable"]).sum()),
        }
    del calls, status
    waits = rows(frame, "endpoint.call", columns=("value",))["value"].to_numpy()
    for figures, served in zip(result.values(), served_at, strict=True):
        served_wait = pd.Series(waits[served])
        figures["mean_wait_s"] = float(served_wait.mean()) if served.size else math.nan
        figures["p95_wait_s"] = float(np.percentile(served_wait, 95)) if served.size else math.nan
    del waits
    services = rows(frame, "endpoint.call", columns=("value2",))["value2"].to_numpy()
    for figures, served in zip(result.values(), served_at, strict=True):
        served_service = pd.Series(services[served])
        figures["mean_service_s"] = float(served_service.mean()) if served.size else math.nan
    return result


def after_warmup(frame: Rows, warmup_s: float) -> HistoryTable:
    """The history without the rows of orders accepted before ``warmup_s`` (warm-up deletion).

    Rows that belong to no order (stock, endpoints, the run) stay.
    """
    table = history_table(frame)
    if warmup_s <= 0:
        return table
    accepted = accepted_rows(table)
    early = accepted.loc[accepted["time"] < warmup_s, "order"].unique()
    return table.without_orders(early)


def sla_verdicts(
    latency: dict[str, pd.DataFrame],
    targets: dict[str, SlaTarget],
    attrs: pd.DataFrame | None = None,
) -> dict[str, dict[str, Any]]:
    """For each SLA target: the observed percentile, compliance share and pass/fail.

    A censored sample (started, never finished) counts as missing the target: it is an
    infinite latency in the percentile and a miss in the compliance share, so work stuck at
    the end of a run makes the verdict worse, never better. A target that names
    ``channels`` judges only those channels' orders (``attrs``: :func:`order_attributes`).
    """
    verdicts: dict[str, dict[str, Any]] = {}
    for metric, target in sorted(targets.items()):
        samples = latency[metric]
        if target.channels and attrs is not None:
            channel = attrs["channel"].reindex(samples["order"].to_numpy())
            samples = samples[channel.isin(list(target.channels)).to_numpy()]
        lags = samples["lag"].to_numpy(dtype=float)
        observed = censored_percentile(lags, target.percentile)
        lags = np.where(np.isnan(lags), np.inf, lags)
        compliance = float((lags <= target.max_s).mean()) if lags.size else math.nan
        verdicts[metric] = {
            "percentile": target.percentile,
            "max_s": target.max_s,
            "observed_s": observed,
            "compliance": compliance,
            "censored": int(np.isinf(lags).sum()),
            "passed": bool(lags.size) and observed <= target.max_s,
        }
        if target.channels:
            verdicts[metric]["channels"] = list(target.channels)
    return verdicts


def resource_sections(frame: Rows, end: float) -> dict[str, Any]:
    """The ``resources`` and ``resource_hourly`` sections, from one pass over the history.

    ``resources``: utilisation and queue of each resource over the run;
    ``resource_hourly``: the same per hour, with orders accepted and retries.
    """
    hourly = hourly_resources(frame, end)
    return {
        "resources": summarise_resources(hourly, end),
        "resource_hourly": resource_series(frame, hourly),
    }


def compute_metrics(
    history: History,
    end: float,
    slas: dict[str, SlaTarget] | None = None,
    business_days: float | None = None,
    limits: Sequence[Mapping[str, Any]] | None = None,
    thresholds: Sequence[str] = (),
    alerts: Sequence[AlertRule] = (),
    warmup_s: float = 0.0,
) -> dict[str, Any]:
    """Every KPI of a run, as a JSON-ready dict.

    ``business_days`` is the number of days on which orders could arrive; throughput is
    reported per business day when it is given. ``limits`` are the endpoints' request limits
    whose use is reported (:func:`sim.delivery_health.endpoint_limits` builds them).
    ``thresholds`` are the scenario's threshold lines, judged on this run under
    ``thresholds`` (:func:`sim.thresholds.threshold_results`). ``alerts`` are the
    scenario's alert rules: their episodes, and each fault's time to detect and to recover,
    go under ``alerts`` (:func:`sim.alerts.alert_report`). ``warmup_s`` deletes the
    warm-up: every row of an order accepted before it is left out (:func:`after_warmup`).
    """
    frame = after_warmup(history_table(history), warmup_s)
    attrs = order_attributes(frame)
    latency = latency_frames(frame, attrs)
    accepted = len(attrs)
    days = end / DAY
    created = int(rows(frame, "erp.order_created", columns=("order",))["order"].nunique())
    status_rows = rows(frame, "erp.order_status", columns=("order", "status"))
    final_status = status_rows.groupby("order")["status"].last().astype(str)
    metrics: dict[str, Any] = {
        "volume": {
            "orders_accepted": accepted,
            "erp_orders_created": created,
            "orders_delivered": int((final_status == "DELIVERED").sum()),
            "orders_cancelled": int((final_status == "CANCELLED").sum()),
            "orders_open_at_end": int((~final_status.isin(list(_TERMINAL))).sum()),
            "shipments": len(rows(frame, "erp.shipment_dispatched", columns=("order",))),
            "invoices": len(rows(frame, "erp.invoice_posted", columns=("order",))),
            "accepted_per_simulated_day": accepted / days if days else math.nan,
            "accepted_per_business_day": (accepted / business_days if business_days else math.nan),
            "by_channel": {
                str(k): int(v) for k, v in attrs["channel"].value_counts().sort_index().items()
            },
            "by_region": {
                str(k): int(v) for k, v in attrs["region"].value_counts().sort_index().items()
            },
        },
        "latency_s": {name: summarize(lags["lag"]) for name, lags in latency.items()},
        "latency_by_region_s": {
            name: _cut(lags, attrs, "region") for name, lags in latency.items()
        },
        "latency_by_channel_s": {
            name: _cut(lags, attrs, "channel") for name, lags in latency.items()
        },
        "crm_staleness": crm_staleness(frame, end),
        "crm_staleness_ground_truth": ground_truth_staleness(frame, end),
        "allocation_delay_by_cause": allocation_delay_causes(frame, *allocation_window(frame)),
        "promise": promise_kpis(frame, end, attrs),
        "backlog_age": backlog_age(frame, attrs, end),
        "fill_rate": _fill_rate(frame, attrs),
        "warehouse_s": _warehouse(frame),
        "batch_windows": batch_windows(frame),
        "holds": _counts(frame, "erp.hold_placed"),
        "master_data_sync": sync_lag_orders(frame),
        "exceptions": _counts(frame, "integration.exception_raised"),
        "exceptions_per_100_orders": exception_rates(frame, attrs),
        "final_erp_status": {
            str(k): int(v) for k, v in final_status.value_counts().sort_index().items()
        },
        "delivery_health": delivery_health(frame, end, limits),
        **resource_sections(frame, end),
        "endpoints": _endpoints(frame),
        "returns": return_counts(frame, accepted),
        "sla": sla_verdicts(latency, slas or {}, attrs),
    }
    metrics["thresholds"] = threshold_results(thresholds, metrics, latency)
    recovery = metrics["delivery_health"]["recovery"]  # computed once, read by both
    metrics["alerts"] = alert_report(alerts, frame, end, latency, recovery)
    return metrics
