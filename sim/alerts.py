"""Alerts over a run's history: when each rule fired and cleared, and time to detect a fault.

Each rule of the scenario (:mod:`sim.scenario.alerts`) is evaluated at ``every_s, 2 *
every_s, ...`` up to the horizon, on its signal computed from the history alone. It fires
at the first evaluation where the signal is above its threshold and clears at the first
evaluation where it is not (an episode still firing at the end has no clear time).

For each injected fault window (the history's ``fault.started`` / ``fault.ended`` rows):

* **time to detect** is from the window's start to the first episode, of any rule, that
  fired at or after the start and before the window's effects were over (the end of its
  recovery, for an outage; the end of the window plus one day otherwise), and was not
  already firing at the start; no such episode: not detected (NaN);
* **time to recover** is the outage's recovery time as ``delivery_health.recovery``
  defines it (:mod:`sim.outage_recovery`); NaN for other kinds and censored windows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.delivery_health import dead_letter_depth, exception_backlog
from sim.engine.calendar import DAY
from sim.history_frame import name_values, rows
from sim.history_table import Rows
from sim.outage_recovery import integration_backlog, outage_recovery, owed_copy_spans
from sim.scenario.alerts import AlertRule, windowed_signal

__all__ = ["alert_report", "evaluate_rule", "oldest_open_age", "signal_at"]


def _levels_at(times: np.ndarray, levels: np.ndarray, ticks: np.ndarray) -> np.ndarray:
    index = np.searchsorted(times, ticks, side="right") - 1
    return np.where(index >= 0, levels[np.clip(index, 0, None)] if levels.size else 0, 0).astype(
        float
    )


def oldest_open_age(starts: np.ndarray, ends: np.ndarray, ticks: np.ndarray) -> np.ndarray:
    """At each tick, the age of the oldest interval open then (0 when none is).

    An interval ``[start, end)`` is open at ``t`` when ``start <= t < end``; ``end`` NaN
    means never closed. Vectorised: with intervals in start order, the first one still open
    at ``t`` is the first whose running maximum of ends exceeds ``t``.
    """
    if starts.size == 0:
        return np.zeros(ticks.size)
    order = np.argsort(starts, kind="stable")
    begun = starts[order]
    closed = np.where(np.isnan(ends[order]), np.inf, ends[order])
    reach = np.maximum.accumulate(closed)
    first_open = np.searchsorted(reach, ticks, side="right")
    started = np.searchsorted(begun, ticks, side="right")
    open_now = first_open < started
    ages = np.zeros(ticks.size)
    ages[open_now] = ticks[open_now] - begun[first_open[open_now]]
    return ages


def _exception_spans(frame: Rows) -> tuple[np.ndarray, np.ndarray]:
    """(raised, resolved or NaN) of every exception.

    The k-th raise of an order pairs with its k-th resolution.
    """
    raised = rows(frame, "integration.exception_raised")[["order", "time"]].copy()
    resolved = rows(frame, "integration.exception_resolved")[["order", "time"]].copy()
    raised["k"] = raised.groupby("order").cumcount()
    resolved["k"] = resolved.groupby("order").cumcount()
    pairs = raised.merge(resolved, on=["order", "k"], how="left", suffixes=("", "_end"))
    return pairs["time"].to_numpy(dtype=float), pairs["time_end"].to_numpy(dtype=float)


def _windowed_counts(times: np.ndarray, ticks: np.ndarray, window: float) -> np.ndarray:
    times = np.sort(times)
    upto = np.searchsorted(times, ticks, side="right")
    before = np.searchsorted(times, ticks - window, side="right")
    return (upto - before).astype(float)


def _windowed_percentile(
    samples: pd.DataFrame, ticks: np.ndarray, window: float, q: float
) -> np.ndarray:
    """The q-th percentile of the samples that finished in (t - window, t]; NaN if none."""
    finished = samples.dropna(subset=["end"]).sort_values("end", kind="stable")
    ends = finished["end"].to_numpy(dtype=float)
    lags = finished["lag"].to_numpy(dtype=float)
    upto = np.searchsorted(ends, ticks, side="right")
    before = np.searchsorted(ends, ticks - window, side="right")
    values = np.full(ticks.size, np.nan)
    some = np.flatnonzero(upto > before)
    # consecutive ticks often see the same samples (nights, weekends): one percentile each
    changed = np.r_[
        True, (upto[some][1:] != upto[some][:-1]) | (before[some][1:] != before[some][:-1])
    ]
    for at, i in enumerate(some.tolist()):
        values[i] = (
            float(np.percentile(lags[before[i] : upto[i]], q))
            if changed[at]
            else values[some[at - 1]]
        )
    return values


def signal_at(
    rule: AlertRule,
    frame: Rows,
    ticks: np.ndarray,
    latency: dict[str, pd.DataFrame] | None = None,
) -> np.ndarray:
    """The rule's signal at each tick (NaN where it has no value)."""
    windowed = windowed_signal(rule.signal)
    if windowed is not None and rule.window is not None:
        kind, name, q = windowed
        if kind == "failed_calls":
            calls = rows(frame, "endpoint.call", columns=("time", "actor", "status"))
            matching = _names_starting(calls["actor"], f"endpoint:{name}")
            failed = calls[calls["actor"].isin(matching) & (calls["status"] != "ok")]
            return _windowed_counts(failed["time"].to_numpy(dtype=float), ticks, rule.window)
        if latency is None:
            raise ValueError(
                f"alert {rule.name!r}: {rule.signal} needs the run's latency samples "
                "(sim.metrics.latency_samples)"
            )
        return _windowed_percentile(latency[name], ticks, rule.window, q)
    if rule.signal == "integration_backlog":
        return _levels_at(*integration_backlog(frame), ticks)
    if rule.signal == "exceptions_open":
        return _levels_at(*exception_backlog(frame), ticks)
    if rule.signal == "dead_letter_depth":
        return _levels_at(*dead_letter_depth(frame), ticks)
    if rule.signal == "exception_backlog_age":
        return oldest_open_age(*_exception_spans(frame), ticks)
    if rule.signal == "consumer_lag":
        return oldest_open_age(*owed_copy_spans(frame), ticks)
    raise ValueError(f"unknown alert signal {rule.signal!r}")


def evaluate_rule(
    rule: AlertRule,
    frame: Rows,
    horizon_s: float,
    latency: dict[str, pd.DataFrame] | None = None,
) -> list[dict[str, float | None]]:
    """The rule's episodes: ``fired_s`` and ``cleared_s`` (None while still firing)."""
    ticks = np.arange(1, math.floor(horizon_s / rule.every_s) + 1) * rule.every_s
    if ticks.size == 0:
        return []
    firing = signal_at(rule, frame, ticks, latency) > rule.above  # NaN: not firing
    change = np.diff(np.r_[False, firing, False].astype(np.int8))
    fired = ticks[np.flatnonzero(change[:-1] == 1)]
    cleared_at = np.flatnonzero(change == -1)
    return [
        {
            "fired_s": float(start),
            "cleared_s": float(ticks[end]) if end < ticks.size else None,
        }
        for start, end in zip(fired, cleared_at, strict=True)
    ]


def _names_starting(column: pd.Series, prefix: str) -> list[str]:
    """The names of a categorical column that start with ``prefix`` (no per-row strings)."""
    return [name for name in column.cat.categories if str(name).startswith(prefix)]


def _fault_windows(frame: Rows) -> pd.DataFrame:
    faults = rows(frame, "fault.started", "fault.ended")
    faults = faults[faults["actor"].isin(_names_starting(faults["actor"], "fault:"))]
    started = rows(faults, "fault.started")
    ended = rows(faults, "fault.ended")
    ends = ended.groupby([ended["actor"].astype(str), ended["subject"]])["time"].min()
    keys = pd.MultiIndex.from_arrays([started["actor"].astype(str), started["subject"]])
    return pd.DataFrame(
        {
            "kind": name_values(started["actor"], "fault:"),
            "window": started["subject"].to_numpy(dtype=np.int64),
            "target": name_values(started["status"]),
            "start_s": started["time"].to_numpy(dtype=float),
            "end_s": ends.reindex(keys).to_numpy(dtype=float),
        }
    )


def alert_report(
    rules: Sequence[AlertRule],
    frame: Rows,
    horizon_s: float,
    latency: dict[str, pd.DataFrame] | None = None,
    recovery: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every rule's episodes, and time to detect and to recover for every fault window.

    ``recovery`` is the run's :func:`~sim.outage_recovery.outage_recovery` when it has been
    computed already (``delivery_health.recovery``); it is computed here otherwise.
    """
    episodes = {rule.name: evaluate_rule(rule, frame, horizon_s, latency) for rule in rules}
    windows = (outage_recovery(frame) if recovery is None else recovery)["windows"]
    recovered = {(w["window"], w["start_s"]): w["recovery_s"] for w in windows if not w["censored"]}
    faults = []
    for kind, window, target, start, end in _fault_windows(frame).itertuples(index=False):
        ttr = recovered.get((int(window), float(start)), math.nan) if kind == "outage" else math.nan
        stop = end if math.isfinite(end) else horizon_s
        over = stop + (ttr if math.isfinite(ttr) else DAY)
        detected = [
            (fired, name)
            for name, found in episodes.items()
            for fired in (float(e["fired_s"] or 0.0) for e in found)
            if start <= fired <= over
        ]
        first = min(detected) if detected else (math.nan, None)
        faults.append(
            {
                "kind": kind,
                "window": int(window),
                "target": target,
                "start_s": float(start),
                "end_s": float(end),
                "detected_by": first[1],
                "detected_at_s": first[0],
                "time_to_detect_s": first[0] - float(start),
                "time_to_recover_s": ttr,
            }
        )
    return {
        "rules": {
            rule.name: {
                "signal": rule.signal,
                "above": rule.above,
                "window_s": rule.window,
                "every_s": rule.every_s,
                "fired": len(episodes[rule.name]),
                "episodes": episodes[rule.name],
            }
            for rule in rules
        },
        "faults": faults,
    }
