"""Recovery time after an outage, and the step functions it is measured on, from the history.

The definition (what the integration backlog is, when an outage counts as recovered, what
is censored) is written once, in docs/methodology.md, "Recovery time after an outage"; this
module implements it and nothing else should restate it.

A level over time (dead letters waiting, exceptions open, the integration backlog) is kept
as a step function: the distinct instants at which it changed and its level after every
change at each instant (:func:`step_levels`). Its value at ``t`` counts every change made
at or before ``t`` (:func:`level_at`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.bus_copies import first_times, owed_copies
from sim.history_frame import accepted_rows, name_values, rows
from sim.history_table import Rows

__all__ = [
    "BACKLOG_EVENTS",
    "backlog_terms",
    "integration_backlog",
    "owed_copy_spans",
    "level_at",
    "outage_recovery",
    "step_levels",
]

BACKLOG_EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "parked_writes": (("integration.parked",), ("integration.unparked",)),
    "stored_orders": (
        ("integration.stored_for_forwarding",),
        ("integration.forwarded", "integration.forwarding_failed"),
    ),
    "held_publications": (("bus.publish_held",), ("bus.publish_released",)),
}
"""Backlog terms counted as (rows that add one, rows that take one away); orders accepted and
not yet settled, and copies the bus owes its subscriptions, are the other two terms."""

_OUTCOMES = ("bus.applied", "bus.discarded", "bus.dead_lettered", "bus.dropped")


def step_levels(up: np.ndarray, down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(instants, level after every change at that instant) of +1 at ``up``, -1 at ``down``."""
    times = np.concatenate([np.asarray(up, dtype=float), np.asarray(down, dtype=float)])
    if times.size == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    order = np.argsort(times, kind="stable")
    times = times[order]
    # +1 where the change came from ``up`` (the first len(up) of the concatenation), else -1
    steps = (order < len(up)).astype(np.int8) * np.int8(2) - np.int8(1)
    del order
    levels = np.cumsum(steps, dtype=np.int64)
    del steps
    last = np.r_[times[1:] != times[:-1], True]
    return times[last], levels[last]


def level_at(times: np.ndarray, levels: np.ndarray, at: float) -> int:
    """The level of a step function at ``at`` (every change at or before ``at`` counted)."""
    index = int(np.searchsorted(times, at, side="right")) - 1
    return int(levels[index]) if index >= 0 else 0


def _times(frame: Rows, events: tuple[str, ...]) -> np.ndarray:
    return rows(frame, *events)["time"].to_numpy(dtype=float)


def backlog_terms(frame: Rows) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each term of the integration backlog as (times it grew by one, times it shrank by one).

    The terms are the methodology's, in this order: ``awaiting_erp_order`` (orders accepted
    and not yet settled), the :data:`BACKLOG_EVENTS` terms and ``owed_copies`` (copies the
    bus owes its subscriptions). :func:`step_levels` of one term is its level over time; of
    them all together, the backlog (:func:`integration_backlog`).
    """
    accepted = accepted_rows(frame).groupby("order")["time"].min()
    done = rows(frame, "erp.order_created")[["order", "time"]]
    raised = rows(frame, "integration.exception_raised")[["order", "time"]]
    settled = pd.concat([done, raised]).groupby("order")["time"].min()
    settled = settled.reindex(accepted.index).dropna()
    terms = {"awaiting_erp_order": (accepted.to_numpy(dtype=float), settled.to_numpy(dtype=float))}
    for name, (adds, removes) in BACKLOG_EVENTS.items():
        terms[name] = (_times(frame, adds), _times(frame, removes))
    terms["owed_copies"] = _owed_copies(frame)
    return terms


def integration_backlog(frame: Rows) -> tuple[np.ndarray, np.ndarray]:
    """The integration backlog as a step function (methodology: its five terms)."""
    terms = list(backlog_terms(frame).values())
    up = np.concatenate([up for up, _ in terms])
    down = np.concatenate([down for _, down in terms])
    del terms  # the terms' own arrays go before the step function is built
    return step_levels(up, down)


def owed_copy_spans(frame: Rows) -> tuple[np.ndarray, np.ndarray]:
    """(publication time, first outcome time or NaN) of each copy the bus owes a subscription.

    A copy is owed from its publication until its first outcome (applied, discarded,
    dead-lettered or dropped); NaN when it had none by the end of the run.
    """
    owed = owed_copies(frame)[0]
    if not len(owed):
        return np.empty(0), np.empty(0)
    return owed.time, first_times(frame, owed, *_OUTCOMES)


def _owed_copies(frame: Rows) -> tuple[np.ndarray, np.ndarray]:
    """(publication times, first-outcome times) of the owed copies.

    Copies with no outcome by the end are left out of the second.
    """
    published, handled = owed_copy_spans(frame)
    return published, handled[~np.isnan(handled)]


def _windows(frame: Rows) -> pd.DataFrame:
    """Outage windows: index (subject), target, start and end (NaN when it never ended)."""
    faults = rows(frame, "fault.started", "fault.ended")
    outages = faults[faults["actor"] == "fault:outage"]
    started = rows(outages, "fault.started")
    ended = rows(outages, "fault.ended").groupby("subject")["time"].min()
    windows = pd.DataFrame(
        {
            "window": started["subject"].to_numpy(dtype=np.int64),
            "target": name_values(started["status"]),
            "start_s": started["time"].to_numpy(dtype=float),
        }
    )
    windows["end_s"] = ended.reindex(windows["window"]).to_numpy(dtype=float)
    return windows.sort_values(["start_s", "window"], kind="stable")


def _recover(times: np.ndarray, levels: np.ndarray, start: float, stop: float) -> dict[str, Any]:
    """Backlog at ``start``, its peak until recovery, and the recovery time after ``stop``."""
    base = level_at(times, levels, start)
    recovered_at = math.nan
    if math.isfinite(stop):
        after = int(np.searchsorted(times, stop, side="right"))
        candidates = np.r_[stop, times[after:]]
        drained = np.flatnonzero(np.r_[level_at(times, levels, stop), levels[after:]] <= base)
        if drained.size:
            recovered_at = float(candidates[drained[0]])
    until = math.inf if math.isnan(recovered_at) else recovered_at
    inside = (times > start) & (times <= until)
    peak = max(base, int(levels[inside].max())) if inside.any() else base
    return {
        "backlog_at_start": base,
        "peak_backlog": peak,
        "recovery_s": recovered_at - stop,
    }


def outage_recovery(frame: Rows) -> dict[str, Any]:
    """Per outage window: backlog at its start, peak backlog and recovery time; the worst.

    ``recovery_s`` is NaN (censored) for a window whose backlog had not drained by the end
    of the run, or that never ended; ``max_recovery_s`` is over the recovered windows.
    """
    times, levels = integration_backlog(frame)
    windows = []
    for window, target, start, stop in _windows(frame).itertuples(index=False):
        measured = _recover(times, levels, float(start), float(stop))
        windows.append(
            {
                "window": int(window),
                "target": str(target),
                "start_s": float(start),
                "end_s": float(stop),
                **measured,
                "censored": math.isnan(measured["recovery_s"]),
            }
        )
    recovered = [w["recovery_s"] for w in windows if not w["censored"]]
    return {
        "windows": windows,
        "censored": len(windows) - len(recovered),
        "max_recovery_s": float(max(recovered)) if recovered else math.nan,
    }
