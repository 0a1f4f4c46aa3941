"""The run report's alerts: the rules and their episodes, time to detect, recovery.

From ``metrics.json``'s ``alerts``: each rule's signal, threshold and the episodes it
fired and cleared, per fault window the time to the first alert it raised and to recover,
and per outage the backlog's recovery (docs/methodology.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sim.report.html.document import Section, note
from sim.report.html.images import Chart, figure
from sim.report.html.markup import Markup, element, join, table
from sim.report.html.numbers import count, duration, hours, number
from sim.report.loaded import LoadedRun
from sim.report.plots import plot_alerts
from sim.scenario.alerts import AGE_SIGNALS, LEVEL_SIGNALS

__all__ = ["alerts_section"]


def _threshold_text(signal: str, above: object) -> str:
    if signal in LEVEL_SIGNALS or signal.startswith("failed_calls:"):
        return number(above)
    if signal in AGE_SIGNALS or ".p" in signal:
        return duration(above)
    return number(above)


def _episodes(episodes: Iterable[Mapping[str, Any]]) -> str:
    texts = [
        f"{hours(e.get('fired_s'))} to "
        + ("end of run" if e.get("cleared_s") is None else hours(e.get("cleared_s")))
        for e in episodes
    ]
    return "; ".join(texts[:6]) + (f"; +{len(texts) - 6} more" if len(texts) > 6 else "")


def alerts_section(run: LoadedRun) -> Section:
    """The Alerts, detection and recovery section."""
    alerts = run.metrics.get("alerts") or {}
    rules = alerts.get("rules") or {}
    faults = alerts.get("faults") or []
    recovery = ((run.metrics.get("delivery_health") or {}).get("recovery") or {}).get(
        "windows"
    ) or []
    parts: list[Markup | None] = []
    if rules:
        parts.append(
            table(
                [
                    "alert",
                    "signal",
                    "fires above",
                    "every",
                    "episodes",
                    "fired and cleared (simulated hours)",
                ],
                [
                    (
                        name,
                        r.get("signal", "")
                        + (f" over {duration(r.get('window_s'))}" if r.get("window_s") else ""),
                        _threshold_text(str(r.get("signal", "")), r.get("above")),
                        duration(r.get("every_s")),
                        count(r.get("fired")),
                        _episodes(r.get("episodes") or []) or "never fired",
                    )
                    for name, r in rules.items()
                ],
                caption="Alert rules and their episodes",
                numeric=(3, 4),
            )
        )
    else:
        parts.append(note("metrics.json records no alert rules."))
    if faults:
        parts.append(
            table(
                ["fault", "target", "window", "detected by", "time to detect", "time to recover"],
                [
                    (
                        f.get("kind"),
                        f.get("target"),
                        f"{hours(f.get('start_s'))} to "
                        + ("end of run" if f.get("end_s") is None else hours(f.get("end_s"))),
                        f.get("detected_by")
                        or element("span", "not detected", class_="badge fail"),
                        duration(f.get("time_to_detect_s")),
                        duration(f.get("time_to_recover_s")),
                    )
                    for f in faults
                ],
                caption="Time to detect (fault start to the first alert it raised) and to recover, "
                "per fault window",
                numeric=(4, 5),
            )
        )
    chart = None
    if rules:
        chart = Chart(
            "alerts",
            lambda: plot_alerts(run),
            "alerts and time to detect",
            "Each alert rule's episodes in its lane, fault windows shaded; an arrow spans each "
            "window's time to detect, from its start to the first alert it raised.",
        )
        parts.append(figure(chart))
    if recovery:
        parts.append(
            table(
                ["outage target", "window", "backlog at start", "peak backlog", "recovery"],
                [
                    (
                        w.get("target"),
                        f"{hours(w.get('start_s'))} to {hours(w.get('end_s'))}",
                        count(w.get("backlog_at_start")),
                        count(w.get("peak_backlog")),
                        "not recovered by the end"
                        if w.get("censored")
                        else duration(w.get("recovery_s")),
                    )
                    for w in recovery
                ],
                caption="Recovery after each outage (docs/methodology.md): from the outage's end "
                "until the integration backlog is back to its level at the start",
                numeric=(2, 3, 4),
            )
        )
    return Section(
        "alerts", "Alerts, detection and recovery", join(parts), (chart,) if chart else ()
    )
