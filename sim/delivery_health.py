"""Delivery health: what it took to deliver every order and message, from the history alone.

:func:`delivery_health` is the ``delivery_health`` section of metrics.json:

* retries (in all and by caller) and retry budgets exhausted;
* calls per endpoint and per system by outcome (``CALL_OUTCOMES``: a timeout is ``timeout``,
  ``late`` or ``lost_response``), and calls per accepted order of each system;
* dead letters: how many, replayed, dropped (no dead-letter queue), the depth at the end and
  its peak, the age of the oldest still waiting, and their reasons;
* duplicates and stale messages suppressed, by where they were caught;
* store and forward, parked writes, compensations, reconciliation repairs, recovered scans
  and client-side throttle waits;
* the carrier's delivery attempts: failed ones (``delivery_exceptions``, by reason), new
  attempts after a failure (``redelivery_attempts``), shipments returned to the shipper, and
  the share of delivered shipments delivered at their first attempt;
* manual touches and the exception backlog (open at the end, oldest, peak, mean resolution);
* publications held while the broker was down, and promises broken: orders validated
  against available stock that were then backordered;
* API limit use: the peak of admitted calls in any sliding window of each request limit in
  force, from the list :func:`endpoint_limits` builds from a scenario and its fault timeline;
* recovery time after each outage, as defined in docs/methodology.md, "Recovery time after
  an outage" (computed by :mod:`sim.outage_recovery`).

A dead letter is matched to a replay of the same subscription and message number, an
exception to a resolution of the same order, oldest open one first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mock_systems.carrier import RETURNED_TO_SENDER, Carrier
from mock_systems.crm import Crm
from mock_systems.erp import Erp
from mock_systems.wms import Wms
from sim.engine import EndpointSpec
from sim.engine.endpoint import CALL_EVENT, CALL_OUTCOMES
from sim.faults import FaultTimeline
from sim.faults.kinds.throttle import ThrottleFault
from sim.history_frame import ACCEPTANCE_EVENTS, event_counts, name_groups, rows
from sim.history_table import Rows
from sim.outage_recovery import outage_recovery, step_levels
from sim.scenario import Scenario

__all__ = [
    "api_limit_use",
    "dead_letter_depth",
    "delivery_health",
    "endpoint_limits",
    "endpoint_specs",
    "exception_backlog",
    "peak_in_window",
]

TIMEOUTS = ("timeout", "late", "lost_response")
"""Call outcomes in which the caller got no answer in time."""

NOT_ADMITTED = ("throttled", "unavailable", "timeout")
"""Call outcomes that never passed an endpoint's limits: refused with 429, or the endpoint
was down (``timeout`` rows are written only by a down endpoint that stays silent; a caller
that gives up on an admitted request leaves a ``late`` row)."""

_OPERATIONS: dict[str, tuple[str, ...]] = {
    "crm": Crm.OPERATIONS,
    "erp": Erp.OPERATIONS,
    "wms": Wms.OPERATIONS,
    "carrier": Carrier.OPERATIONS,
}
_DUPLICATE_SOURCES = ("bus", "integration", "erp", "wms", "carrier")


def _statuses(frame: Rows, event: str) -> dict[str, int]:
    counts = rows(frame, event)["status"].astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.sort_index().items()}


def _still_open(opened: pd.DataFrame, closed: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Times of ``opened`` rows no ``closed`` row of the same keys matched, oldest matched first."""
    left = opened[[*keys, "time"]].sort_values("time", kind="stable")
    rank = left.groupby(keys, observed=True).cumcount().to_numpy()
    closes = closed.groupby(keys, observed=True).size().rename("closes")
    matched = left.join(closes, on=keys)["closes"].fillna(0).to_numpy()
    return left["time"].to_numpy(dtype=float)[rank >= matched]


def _oldest_age(open_times: np.ndarray, end: float) -> float:
    return float(end - open_times.min()) if open_times.size else 0.0


def _peak(levels: np.ndarray) -> int:
    return max(0, int(levels.max())) if levels.size else 0


def _calls(frame: Rows, accepted: int) -> dict[str, dict[str, dict[str, float]]]:
    calls = rows(frame, CALL_EVENT, columns=("actor", "status"))
    # count on the categorical codes; names only for the few (endpoint, status) pairs
    actors, statuses = calls["actor"].cat.categories, calls["status"].cat.categories
    pair = calls["actor"].cat.codes.to_numpy().astype(np.int64) * len(statuses)
    pair += calls["status"].cat.codes.to_numpy()
    del calls
    grid = np.bincount(pair, minlength=len(actors) * len(statuses))
    grid = grid.reshape(len(actors), len(statuses))
    seen, outcomes = grid.sum(axis=1) > 0, grid.sum(axis=0) > 0
    table = pd.DataFrame(
        grid[seen][:, outcomes],
        index=actors[seen].astype(str).str.removeprefix("endpoint:"),
        columns=statuses[outcomes].astype(str),
    )
    table = table.sort_index().sort_index(axis=1)
    total = table.sum(axis=1)
    table = table.reindex(columns=list(CALL_OUTCOMES), fill_value=0)
    summary = pd.DataFrame(
        {
            "calls": total,
            "ok": table["ok"],
            "timeouts": table[list(TIMEOUTS)].sum(axis=1),
            "throttled_429": table["throttled"],
            "errors_5xx": table["error"],
            "unavailable": table["unavailable"],
        }
    ).astype(np.int64)
    systems = summary.groupby(summary.index.str.split(".").str[0]).sum()
    by_system: dict[str, dict[str, float]] = {}
    for system, counts in systems.iterrows():
        entry: dict[str, float] = {str(k): int(v) for k, v in counts.items()}
        entry["calls_per_order"] = entry["calls"] / accepted if accepted else math.nan
        by_system[str(system)] = entry
    return {
        "by_endpoint": {
            str(name): {str(k): int(v) for k, v in counts.items()}
            for name, counts in summary.iterrows()
        },
        "by_system": by_system,
    }


def dead_letter_depth(frame: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Dead letters waiting over time, as :func:`~sim.outage_recovery.step_levels`.

    One up at each ``bus.dead_lettered`` row, one down at each ``bus.replayed`` row; its
    peak is ``dead_letters.peak_depth``.
    """
    dead = rows(frame, "bus.dead_lettered")["time"].to_numpy()
    replayed = rows(frame, "bus.replayed")["time"].to_numpy()
    return step_levels(dead, replayed)


def exception_backlog(frame: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Exceptions open over time, as :func:`~sim.outage_recovery.step_levels`.

    One up at each ``integration.exception_raised`` row, one down at each
    ``integration.exception_resolved`` row; its peak is ``exceptions.peak_backlog``.
    """
    raised = rows(frame, "integration.exception_raised")["time"].to_numpy()
    resolved = rows(frame, "integration.exception_resolved")["time"].to_numpy()
    return step_levels(raised, resolved)


def _dead_letters(frame: Rows, end: float) -> dict[str, Any]:
    dead = rows(frame, "bus.dead_lettered")
    replayed = rows(frame, "bus.replayed")
    _, depth = dead_letter_depth(frame)
    waiting = _still_open(dead, replayed, ["actor", "subject"])
    return {
        "count": len(dead),
        "replayed": len(replayed),
        "dropped": len(rows(frame, "bus.dropped")),
        "depth_at_end": int(waiting.size),
        "peak_depth": _peak(depth),
        "oldest_age_s": _oldest_age(waiting, end),
        "by_reason": _statuses(frame, "bus.dead_lettered"),
    }


def _exceptions(frame: Rows, end: float) -> dict[str, Any]:
    raised = rows(frame, "integration.exception_raised")
    resolved = rows(frame, "integration.exception_resolved")
    _, backlog = exception_backlog(frame)
    still = _still_open(raised, resolved, ["order"])
    resolution = rows(frame, "desk.item_resolved")["value"].to_numpy(dtype=float)
    return {
        "raised": len(raised),
        "resolved": len(resolved),
        "open_at_end": int(still.size),
        "oldest_open_age_s": _oldest_age(still, end),
        "peak_backlog": _peak(backlog),
        "mean_resolution_s": float(resolution.mean()) if resolution.size else math.nan,
    }


def _suppressed(frame: Rows, counts: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Duplicates and stale messages suppressed, by where they were caught, and in all."""
    bus = _statuses(frame, "bus.discarded")
    duplicates = {
        source: counts.get(f"{source}.duplicate_suppressed", 0) for source in _DUPLICATE_SOURCES
    }
    duplicates["bus"] = bus.get("duplicate", 0)
    stale = {
        "bus": bus.get("stale", 0),
        "integration": counts.get("integration.stale_discarded", 0),
    }
    return {
        "duplicates_suppressed_by_source": {"total": sum(duplicates.values()), **duplicates},
        "stale_discarded_by_source": {"total": sum(stale.values()), **stale},
    }


def peak_in_window(times: np.ndarray, window_s: float) -> int:
    """Most of ``times`` (sorted) in any window ``(t - window_s, t]``, as a rate limiter counts."""
    if times.size == 0:
        return 0
    inside = np.searchsorted(times, times, side="right") - np.searchsorted(
        times, times - window_s, side="right"
    )
    return int(inside.max())


def api_limit_use(frame: Rows, limits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per limit: the peak of admitted calls in any of its windows within [start_s, end_s).

    A call counts at its row's time (when it finished) unless it was never admitted
    (:data:`NOT_ADMITTED`); ``peak_utilisation`` is that peak over the limit's ``requests``.
    """
    calls = rows(frame, CALL_EVENT, columns=("time", "actor", "status"))
    admitted = calls[~calls["status"].isin(NOT_ADMITTED)]
    del calls
    finished = admitted["time"].to_numpy(dtype=float)
    times = {
        actor.removeprefix("endpoint:"): np.sort(finished[picked])
        for actor, picked in name_groups(admitted["actor"])
    }
    used = []
    for limit in limits:
        start = float(limit.get("start_s", 0.0))
        stop = float(limit.get("end_s", math.inf))
        calls_at = times.get(str(limit["endpoint"]), np.empty(0))
        calls_at = calls_at[(calls_at >= start) & (calls_at < stop)]
        peak = peak_in_window(calls_at, float(limit["window_s"]))
        used.append(
            {
                **limit,
                "start_s": start,
                "end_s": stop,
                "peak_admitted": peak,
                "peak_utilisation": peak / float(limit["requests"]),
            }
        )
    return used


def _request_limits(spec: EndpointSpec) -> list[tuple[int, float, str]]:
    found = []
    if spec.rate_limit is not None:
        found.append((spec.rate_limit.requests, spec.rate_limit.window_s, "rate_limit"))
    if spec.throttle is not None and spec.throttle.requests is not None:
        found.append((spec.throttle.requests, spec.throttle.window_s, "throttle"))
    return found


def _endpoints_of(target: str) -> list[str]:
    """The endpoints a fault target names: one endpoint, or every endpoint of a system."""
    system, _, operation = target.partition(".")
    operations = _OPERATIONS.get(system, ())
    if operation:
        return [target] if operation in operations else []
    return [f"{system}.{op}" for op in operations]


def endpoint_specs(scenario: Scenario) -> dict[str, EndpointSpec]:
    """Every endpoint of the scenario's systems by name (``erp.create_order``): its spec.

    The spec's ``concurrency`` is the endpoint's number of servers; ``endpoint.call`` rows
    name the endpoint as ``endpoint:<name>``.
    """
    systems = scenario.systems
    specs: dict[str, EndpointSpec] = {"crm.api": systems.crm.api_spec()}
    for system, config in (
        ("erp", systems.erp.endpoints),
        ("wms", systems.wms),
        ("carrier", systems.carrier),
    ):
        for operation in _OPERATIONS[system]:
            specs[f"{system}.{operation}"] = getattr(config, operation)
    return specs


def endpoint_limits(
    scenario: Scenario, timeline: FaultTimeline, horizon_s: float
) -> list[dict[str, Any]]:
    """Every request limit in force on an endpoint during a run, for :func:`api_limit_use`.

    Standing limits (each endpoint spec's ``rate_limit`` and ``throttle.requests``; the CRM
    API's Salesforce allocation) hold for the whole run; a ``throttle`` fault window's
    request limit holds on each endpoint of its target during the window.
    """
    limits: list[dict[str, Any]] = [
        _limit(name, requests, window, 0.0, horizon_s, source)
        for name, spec in sorted(endpoint_specs(scenario).items())
        for requests, window, source in _request_limits(spec)
    ]
    for window in timeline.windows:
        if window.kind != "throttle":
            continue
        spec = ThrottleFault.model_validate({"target": window.target, **window.params}).throttle()
        if spec.requests is None:
            continue
        stop = min(window.end_s, horizon_s)
        limits.extend(
            _limit(name, spec.requests, spec.window_s, window.start_s, stop, "fault:throttle")
            for name in _endpoints_of(window.target)
        )
    return limits


def _limit(
    endpoint: str, requests: int, window_s: float, start_s: float, end_s: float, source: str
) -> dict[str, Any]:
    return {
        "endpoint": endpoint,
        "requests": int(requests),
        "window_s": float(window_s),
        "start_s": float(start_s),
        "end_s": float(end_s),
        "source": source,
    }


def _delivery_attempts(frame: Rows) -> dict[str, Any]:
    """The carrier's delivery attempts, from its ``out_for_delivery`` scans and exceptions.

    Each ``out_for_delivery`` scan starts an attempt; every one after a shipment's first is a
    re-delivery. ``carrier.delivery_exception`` rows (status = reason) are the failed
    attempts, bar ``returned_to_sender``: the shipment's return after its last one.
    """
    scans = rows(frame, "carrier.scan", columns=("order", "subject", "status"))
    out = scans[scans["status"] == "out_for_delivery"]
    per_shipment = out.groupby(["order", "subject"]).size()
    delivered = scans[scans["status"] == "delivered"][["order", "subject"]].drop_duplicates()
    tries = per_shipment.reindex(pd.MultiIndex.from_frame(delivered)).to_numpy(dtype=float)
    reasons = _statuses(frame, "carrier.delivery_exception")
    returned = reasons.pop(RETURNED_TO_SENDER, 0)
    return {
        "attempts": len(out),
        "failed": sum(reasons.values()),
        "failed_by_reason": reasons,
        "redeliveries": int(len(out) - per_shipment.size),
        "returned": returned,
        "delivered_first_attempt_share": float((tries == 1).mean()) if tries.size else math.nan,
    }


def _promises_broken(frame: Rows) -> int:
    """Orders validated against available stock that the ERP then backordered.

    The rep was told the stock was there; between the quote and the allocation other
    orders took it (an inventory race).
    """
    validated = rows(frame, "integration.validated")
    promised = validated.loc[validated["status"] == "ok", "order"].to_numpy()
    backordered = rows(frame, "erp.backorder_created")["order"].to_numpy()
    return int(np.intersect1d(promised, backordered).size)


def delivery_health(
    frame: Rows, end: float, limits: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The ``delivery_health`` section of metrics.json (see the module docstring)."""
    counts = event_counts(frame)
    accepted = sum(counts.get(event, 0) for event in ACCEPTANCE_EVENTS)
    touches = counts.get("desk.item_resolved", 0)
    waits = rows(frame, "integration.throttle_wait")["value"].to_numpy(dtype=float)
    retries = rows(frame, "integration.retry")["actor"].astype(str).str.removeprefix("retry:")
    attempts = _delivery_attempts(frame)
    return {
        "retries": counts.get("integration.retry", 0),
        "retries_by_caller": {
            str(k): int(v) for k, v in retries.value_counts().sort_index().items()
        },
        "retry_budget_exhausted": counts.get("integration.retry_budget_exhausted", 0),
        "messages_published": counts.get("bus.published", 0),
        "messages_applied": counts.get("bus.applied", 0),
        "stale_discarded": counts.get("integration.stale_discarded", 0),
        "duplicates_suppressed": sum(
            v for k, v in counts.items() if k.endswith("duplicate_suppressed")
        ),
        "stored_for_forwarding": counts.get("integration.stored_for_forwarding", 0),
        "calls": _calls(frame, accepted),
        "dead_letters": _dead_letters(frame, end),
        **_suppressed(frame, counts),
        "stored_and_forwarded": {
            "stored": counts.get("integration.stored_for_forwarding", 0),
            "forwarded": counts.get("integration.forwarded", 0),
            "forwarding_failed": counts.get("integration.forwarding_failed", 0),
        },
        "parked": {
            "parked": counts.get("integration.parked", 0),
            "unparked": counts.get("integration.unparked", 0),
        },
        "compensations": counts.get("integration.compensated", 0),
        "compensation_refused": counts.get("integration.compensation_refused", 0),
        "reconciled": counts.get("integration.reconciled", 0),
        "scans_recovered": counts.get("integration.scan_recovered", 0),
        "delivery_exceptions": attempts["failed"],
        "redelivery_attempts": attempts["redeliveries"],
        "delivery_attempts": attempts,
        "throttle_waits": {"count": int(waits.size), "total_wait_s": float(waits.sum())},
        "manual_touches": {
            "count": touches,
            "per_100_orders": 100.0 * touches / accepted if accepted else math.nan,
        },
        "messages_held_at_broker": counts.get("bus.publish_held", 0),
        "promises_broken": _promises_broken(frame),
        "exceptions": _exceptions(frame, end),
        "api_limit_use": api_limit_use(frame, limits or ()),
        "recovery": outage_recovery(frame),
    }
