"""KPIs and SLA verdicts computed from the history alone (DOMAIN.md, "What is measured").

Latencies are per order (or per milestone / invoice) and reported as count, censored,
mean and p50/p95/p99 in seconds, overall and cut by region and channel:

* order creation latency: quote accepted in CRM -> ERP order created
* validation latency: quote accepted -> validation result visible to the rep in CRM
* allocation delay: ERP order created -> ERP order wholly ALLOCATED (or further)
* shipment propagation lag: carrier scan ``occurred_at`` of each new milestone -> that
  milestone (or a later one) visible on the shipment in CRM
* invoice sync latency: per invoice, ERP invoice posted -> that invoice shown in CRM
* order cycle time: quote accepted -> the carrier's last ``delivered`` scan ``occurred_at``

A sample that started but never ended by the end of the run is censored (NaN): left out of
the statistics, counted, and a miss for SLA verdicts. Cancelled orders are not waited for
after creation.

plus CRM staleness (time-weighted share of open-order time during which CRM's status
differs from the ERP's), fill rate, throughput, holds and exceptions, and delivery health
(retries, call outcomes, dead letters, manual touches, API limit use, recovery after outages:
:mod:`sim.delivery_health`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.alerts import alert_report
from sim.delivery_health import delivery_health
from sim.engine import History
from sim.engine.calendar import DAY
from sim.history_frame import first_time, history_frame, rows
from sim.integration.canonical import STATUS_RANK, OrderStatus
from sim.scenario import LATENCY_METRICS, SlaTarget
from sim.scenario.alerts import AlertRule
from sim.thresholds import censored_percentile, threshold_results

__all__ = [
    "LATENCY_METRICS",
    "compute_metrics",
    "crm_staleness",
    "crm_staleness_spans",
    "latency_samples",
    "sla_verdicts",
    "summarize",
]

_RANK = {status.value: rank for status, rank in STATUS_RANK.items()}
_SCAN_RANK = {
    "picked_up": _RANK["IN_TRANSIT"],
    "in_transit": _RANK["IN_TRANSIT"],
    "out_for_delivery": _RANK["OUT_FOR_DELIVERY"],
    "delivered": _RANK["DELIVERED"],
}
_TERMINAL = {OrderStatus.DELIVERED.value, OrderStatus.CANCELLED.value}


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


def _order_attributes(frame: pd.DataFrame) -> pd.DataFrame:
    accepted = rows(frame, "crm.quote_accepted")
    attributes = pd.DataFrame(
        {
            "accepted_at": accepted["time"].to_numpy(),
            "channel": accepted["status"].astype(str).to_numpy(),
            "net_value": accepted["value"].to_numpy(),
            "units": accepted["value2"].to_numpy(),
        },
        index=accepted["order"].to_numpy(),
    )
    regions = rows(frame, "crm.quote_region")
    attributes["region"] = pd.Series(
        regions["status"].astype(str).to_numpy(), index=regions["order"].to_numpy()
    )
    return attributes


def _shipment_lags(frame: pd.DataFrame) -> pd.DataFrame:
    """Per milestone: lag from the scan's ``occurred_at`` to CRM showing it on the shipment.

    Only scans that move a shipment to a new lifecycle milestone are sampled: ``picked_up``
    and ``in_transit`` are both IN_TRANSIT, so the later of the two is not a new milestone.
    A milestone CRM never showed is censored (NaN).
    """
    updates: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
    crm = rows(frame, "crm.shipment_updated")
    for order, subject, time, status in zip(
        crm["order"].to_numpy(),
        crm["subject"].to_numpy(),
        crm["time"].to_numpy(),
        crm["status"].astype(str),
        strict=True,
    ):
        updates[(int(order), int(subject))].append((float(time), _RANK.get(status, -1)))
    scans = rows(frame, "carrier.scan")
    lags = np.full(len(scans), np.nan)
    sampled = np.zeros(len(scans), dtype=bool)
    reached: dict[tuple[int, int], int] = {}
    for i, (order, subject, occurred, code) in enumerate(
        zip(
            scans["order"].to_numpy(),
            scans["subject"].to_numpy(),
            scans["value2"].to_numpy(),
            scans["status"].astype(str),
            strict=True,
        )
    ):
        needed = _SCAN_RANK.get(code)
        key = (int(order), int(subject))
        if needed is None or needed <= reached.get(key, -1):
            continue
        reached[key] = needed
        sampled[i] = True
        best = -1
        for time, rank in updates.get(key, ()):
            best = max(best, rank)
            if best >= needed:
                lags[i] = max(0.0, time - occurred)
                break
    occurred_at = scans["value2"].to_numpy(dtype=float)[sampled]
    return pd.DataFrame(
        {
            "order": scans["order"].to_numpy()[sampled],
            "lag": lags[sampled],
            "end": occurred_at + lags[sampled],
        }
    )


def crm_staleness_spans(frame: pd.DataFrame, end: float) -> pd.DataFrame:
    """Every span of open-order time, and whether CRM's status differed from the ERP's in it.

    One row per span between two consecutive status changes of an order (on either side),
    in order of order number then time: ``order``, ``start_s``, ``end_s`` and ``stale``. An
    order is open from its ERP creation until both systems show the same terminal status
    (DELIVERED or CANCELLED), or the end of the run. :func:`crm_staleness` is the share of
    the spans' time that is stale.
    """
    orders: list[int] = []
    starts: list[float] = []
    stops: list[float] = []
    stale: list[bool] = []
    for order, start, stop, differs in _open_spans(frame, end):
        orders.append(order)
        starts.append(start)
        stops.append(stop)
        stale.append(differs)
    return pd.DataFrame(
        {
            "order": np.asarray(orders, dtype=np.int64),
            "start_s": np.asarray(starts, dtype=float),
            "end_s": np.asarray(stops, dtype=float),
            "stale": np.asarray(stale, dtype=bool),
        }
    )


def _open_spans(frame: pd.DataFrame, end: float) -> Iterator[tuple[int, float, float, bool]]:
    """(order, start, end, CRM differs from ERP) of each open-order span, in order."""
    erp = rows(frame, "erp.order_status")
    crm = rows(frame, "crm.status_updated")
    merged = pd.DataFrame(
        {
            "order": np.concatenate([erp["order"].to_numpy(), crm["order"].to_numpy()]),
            "time": np.concatenate([erp["time"].to_numpy(), crm["time"].to_numpy()]),
            "side": np.concatenate([np.zeros(len(erp), np.int8), np.ones(len(crm), np.int8)]),
            "status": np.concatenate(
                [erp["status"].astype(str).to_numpy(), crm["status"].astype(str).to_numpy()]
            ),
        }
    ).sort_values(["order", "time", "side"], kind="stable")
    last_order = None
    since = 0.0
    state = ["", ""]
    closed = False
    for order, time, side, status in zip(
        merged["order"].to_numpy(),
        merged["time"].to_numpy(),
        merged["side"].to_numpy(),
        merged["status"].to_numpy(),
        strict=True,
    ):
        if order != last_order:
            if last_order is not None and not closed and state[0]:
                yield int(last_order), since, end, state[0] != state[1]
            last_order, state, closed, since = order, ["", ""], False, float(time)
        if closed:
            continue
        if state[0]:
            yield int(order), since, float(time), state[0] != state[1]
        since = float(time)
        state[int(side)] = str(status)
        if state[0] == state[1] and state[0] in _TERMINAL:
            closed = True
    if last_order is not None and not closed and state[0]:
        yield int(last_order), since, end, state[0] != state[1]


def crm_staleness(frame: pd.DataFrame, end: float) -> dict[str, float]:
    """Time-weighted share of open-order time in which CRM status != ERP status.

    An order is open from its ERP creation until both systems show the same terminal
    status (DELIVERED or CANCELLED), or the end of the run (the spans of
    :func:`crm_staleness_spans`).
    """
    stale = 0.0
    total = 0.0
    for _, start, stop, differs in _open_spans(frame, end):
        span = stop - start
        total += span
        if differs:
            stale += span
    return {"stale_share": stale / total if total else 0.0, "open_order_hours": total / 3600}


_ALLOCATED_OR_LATER = (
    "ALLOCATED",
    "PICK_RELEASED",
    "SHIPPED",
    "IN_TRANSIT",
    "OUT_FOR_DELIVERY",
    "DELIVERED",
)


def _since(start: pd.Series, end: pd.Series, exclude: pd.Index | None = None) -> pd.DataFrame:
    """Per order that started: end - start, NaN (censored) where it never ended."""
    if exclude is not None:
        start = start[~start.index.isin(exclude)]
    ended = end.reindex(start.index)
    lag = ended - start
    return pd.DataFrame(
        {
            "order": start.index.to_numpy(),
            "lag": lag.to_numpy(dtype=float),
            "end": ended.to_numpy(dtype=float),
        }
    )


def _invoice_lags(frame: pd.DataFrame) -> pd.DataFrame:
    """Per invoice (one per delivery): posted in ERP -> that invoice shown in CRM."""
    posted = rows(frame, "erp.invoice_posted").groupby(["order", "subject"])["time"].min()
    seen = rows(frame, "crm.invoice_status_updated").groupby(["order", "subject"])["time"].min()
    lag = seen.reindex(posted.index) - posted
    return pd.DataFrame(
        {
            "order": posted.index.get_level_values("order").to_numpy(),
            "lag": lag.to_numpy(dtype=float),
            "end": seen.reindex(posted.index).to_numpy(dtype=float),
        }
    )


def _latencies(frame: pd.DataFrame, attrs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Samples of every latency metric; cancelled orders are not waited for after creation."""
    accepted = attrs["accepted_at"]
    created = first_time(frame, "erp.order_created")
    shown = first_time(frame, "crm.validation_shown")
    statuses = rows(frame, "erp.order_status")
    cancelled = pd.Index(statuses[statuses["status"] == "CANCELLED"]["order"].unique())
    allocated = (
        statuses[statuses["status"].isin(list(_ALLOCATED_OR_LATER))].groupby("order")["time"].min()
    )
    delivered_orders = statuses[statuses["status"] == "DELIVERED"]["order"].unique()
    scans = rows(frame, "carrier.scan")
    last_delivered_scan = (
        scans[(scans["status"] == "delivered") & scans["order"].isin(delivered_orders)]
        .groupby("order")["value2"]
        .max()
    )
    return {
        "order_creation_latency": _since(accepted, created),
        "validation_latency": _since(accepted, shown),
        "allocation_delay": _since(created, allocated, exclude=cancelled),
        "shipment_propagation_lag": _shipment_lags(frame),
        "invoice_sync_latency": _invoice_lags(frame),
        "order_cycle_time": _since(accepted, last_delivered_scan, exclude=cancelled),
    }


def latency_samples(history: History | pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every latency metric's samples, as :func:`compute_metrics` summarises them.

    ``{metric: DataFrame(order, lag, end)}`` for each of :data:`LATENCY_METRICS`, one row
    per sample (order, milestone or invoice); ``lag`` is in seconds and NaN for a censored
    sample, ``end`` the simulated time the sample finished (NaN when censored).
    :func:`summarize` of a metric's ``lag`` is its ``latency_s`` entry.
    """
    frame = history if isinstance(history, pd.DataFrame) else history_frame(history)
    return _latencies(frame, _order_attributes(frame))


def _cut(lags: pd.DataFrame, attrs: pd.DataFrame, by: str) -> dict[str, dict[str, float]]:
    labelled = lags.join(attrs[[by]], on="order")
    return {str(key): summarize(group["lag"]) for key, group in labelled.groupby(by)}


def _fill_rate(frame: pd.DataFrame, attrs: pd.DataFrame) -> dict[str, float]:
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


def _warehouse(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per delivery: pick release -> picker starts (queue), and pick start -> packed (work)."""
    released = rows(frame, "wms.pick_released").groupby("subject")["time"].min()
    started = rows(frame, "wms.pick_started").groupby("subject")["time"].min()
    packed = rows(frame, "wms.packed").groupby("subject")["time"].min()
    return {
        "pick_queue_wait": summarize((started - released).dropna()),
        "pick_and_pack_time": summarize((packed - started).dropna()),
    }


def _counts(frame: pd.DataFrame, event: str) -> dict[str, int]:
    selected = rows(frame, event)
    counts = selected["status"].astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.sort_index().items()}


def _endpoints(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    calls = rows(frame, "endpoint.call")
    result: dict[str, dict[str, float]] = {}
    for actor, group in calls.groupby("actor", observed=True):
        served = group[group["status"] == "ok"]
        result[str(actor).removeprefix("endpoint:")] = {
            "calls": len(group),
            "served": len(served),
            "throttled": int((group["status"] == "throttled").sum()),
            "unavailable": int((group["status"] == "unavailable").sum()),
            "mean_wait_s": float(served["value"].mean()) if len(served) else math.nan,
            "p95_wait_s": float(np.percentile(served["value"], 95)) if len(served) else math.nan,
            "mean_service_s": float(served["value2"].mean()) if len(served) else math.nan,
        }
    return result


def sla_verdicts(
    latency: dict[str, pd.DataFrame], targets: dict[str, SlaTarget]
) -> dict[str, dict[str, Any]]:
    """For each SLA target: the observed percentile, compliance share and pass/fail.

    A censored sample (started, never finished) counts as missing the target: it is an
    infinite latency in the percentile and a miss in the compliance share, so work stuck at
    the end of a run makes the verdict worse, never better.
    """
    verdicts: dict[str, dict[str, Any]] = {}
    for metric, target in sorted(targets.items()):
        lags = latency[metric]["lag"].to_numpy(dtype=float)
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
    return verdicts


def compute_metrics(
    history: History,
    end: float,
    slas: dict[str, SlaTarget] | None = None,
    business_days: float | None = None,
    limits: Sequence[Mapping[str, Any]] | None = None,
    thresholds: Sequence[str] = (),
    alerts: Sequence[AlertRule] = (),
) -> dict[str, Any]:
    """Every KPI of a run, as a JSON-ready dict.

    ``business_days`` is the number of days on which orders could arrive; throughput is
    reported per business day when it is given. ``limits`` are the endpoints' request limits
    whose use is reported (:func:`sim.delivery_health.endpoint_limits` builds them).
    ``thresholds`` are the scenario's threshold lines, judged on this run under
    ``thresholds`` (:func:`sim.thresholds.threshold_results`). ``alerts`` are the
    scenario's alert rules: their episodes, and each fault's time to detect and to recover,
    go under ``alerts`` (:func:`sim.alerts.alert_report`).
    """
    frame = history_frame(history)
    attrs = _order_attributes(frame)
    latency = _latencies(frame, attrs)
    accepted = len(attrs)
    days = end / DAY
    created = int(rows(frame, "erp.order_created")["order"].nunique())
    status_rows = rows(frame, "erp.order_status")
    final_status = status_rows.groupby("order")["status"].last().astype(str)
    metrics: dict[str, Any] = {
        "volume": {
            "orders_accepted": accepted,
            "erp_orders_created": created,
            "orders_delivered": int((final_status == "DELIVERED").sum()),
            "orders_cancelled": int((final_status == "CANCELLED").sum()),
            "orders_open_at_end": int((~final_status.isin(list(_TERMINAL))).sum()),
            "shipments": len(rows(frame, "erp.shipment_dispatched")),
            "invoices": len(rows(frame, "erp.invoice_posted")),
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
        "fill_rate": _fill_rate(frame, attrs),
        "warehouse_s": _warehouse(frame),
        "holds": _counts(frame, "erp.hold_placed"),
        "exceptions": _counts(frame, "integration.exception_raised"),
        "final_erp_status": {
            str(k): int(v) for k, v in final_status.value_counts().sort_index().items()
        },
        "delivery_health": delivery_health(frame, end, limits),
        "endpoints": _endpoints(frame),
        "sla": sla_verdicts(latency, slas or {}),
    }
    metrics["thresholds"] = threshold_results(thresholds, metrics, latency)
    metrics["alerts"] = alert_report(alerts, frame, end, latency)
    return metrics
