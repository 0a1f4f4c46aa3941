"""The report of one run folder: scenario, faults, KPIs, gates, invariants, alerts, figures.

Everything comes from the folder (:class:`sim.report.loaded.LoadedRun`): the figures are
drawn by :mod:`sim.report.plots` from the history read back from ``history.parquet``, the
numbers are ``metrics.json``'s and the verdicts ``run.json``'s, so the page shows what the
run measured and nothing is simulated again. One run is one sample: every verdict here is
labelled as a single run's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from matplotlib.axes import Axes

from sim.report.html.document import Section, badge, definitions, details, note
from sim.report.html.images import figure
from sim.report.html.markup import Markup, element, join, table
from sim.report.html.numbers import count, decimal, duration, hours, number, share
from sim.report.loaded import LoadedRun
from sim.report.plots import (
    fault_windows,
    plot_backlog,
    plot_crm_staleness,
    plot_dead_letters_and_exceptions,
    plot_endpoint_utilisation,
    plot_fault_timeline,
    plot_latency_cdfs,
    plot_throughput,
)
from sim.scenario import Scenario
from sim.scenario.alerts import AGE_SIGNALS, LEVEL_SIGNALS

__all__ = ["WITNESS_ROWS", "TIMELINE_ROWS", "run_sections", "run_title"]

WITNESS_ROWS = 40
"""Witness rows shown per violated invariant (all of them are in ``run.json``)."""

TIMELINE_ROWS = 200
"""Fault windows listed in the timeline table (all of them are in ``run.json``)."""

SINGLE_RUN = (
    "Single run: one sample of the scenario. A verdict here is this run's figure against "
    "the target; a verdict across replications (o2csim run --replications N, o2csim "
    "compare) bounds the figure's mean and is the one to gate a release on."
)


def run_title(run: LoadedRun) -> str:
    """The page title."""
    return f"o2csim run report: {run.scenario.name}"


def _label(name: str) -> str:
    return name.replace("_", " ")


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves by dotted key; an empty mapping has none."""
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, inner in value.items():
            found.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return found
    return {prefix: value}


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _changed_settings(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(setting, this run, o2csim's default) of every setting the scenario changed.

    Identity (name, description, seed) and the faults, which have a section of their own,
    are left out.
    """
    default = _flatten(Scenario.model_validate({"name": scenario.name}).model_dump(mode="json"))
    mine = _flatten(scenario.model_dump(mode="json"))
    skip = ("name", "description", "seed", "faults")
    rows = []
    for key in sorted(set(mine) | set(default)):
        if key.split(".")[0] in skip:
            continue
        if mine.get(key, "<absent>") != default.get(key, "<absent>"):
            rows.append(
                (
                    key,
                    _value_text(mine.get(key, "(not set)")),
                    _value_text(default.get(key, "(not set)")),
                )
            )
    return rows


def _cards(run: LoadedRun) -> Markup:
    m = run.metrics
    sla = m.get("sla") or {}
    thresholds = m.get("thresholds") or {}
    invariants = run.invariants
    violated = [name for name, v in invariants.items() if not v.get("valid", False)]
    alerts = (m.get("alerts") or {}).get("rules") or {}
    fired = sum(int(rule.get("fired") or 0) for rule in alerts.values())

    def card(label: str, value: object, passed: bool | None) -> Markup:
        state = None if passed is None else ("pass" if passed else "fail")
        return element(
            "div",
            element("div", label, class_="label"),
            element("div", value, class_="value"),
            class_=f"card {state}" if state else "card",
        )

    met = sum(1 for v in sla.values() if v.get("passed"))
    lines = sum(1 for v in thresholds.values() if v.get("passed"))
    return element(
        "div",
        card(
            "SLA targets met (single run)",
            f"{met} of {len(sla)}" if sla else "none set",
            None if not sla else met == len(sla),
        ),
        card(
            "thresholds met (single run)",
            f"{lines} of {len(thresholds)}" if thresholds else "none set",
            None if not thresholds else lines == len(thresholds),
        ),
        card(
            "invariants",
            (f"{len(violated)} violated" if violated else f"all {len(invariants)} hold")
            if invariants
            else "not recorded",
            None if not invariants else not violated,
        ),
        card("alert episodes", fired, None),
        card("fault windows", len(run.timeline.windows), None),
        card("orders accepted", count((m.get("volume") or {}).get("orders_accepted")), None),
        class_="cards",
    )


def _summary(run: LoadedRun) -> Section:
    body = [
        element("p", run.scenario.description or "(no description)", class_="lead"),
        _cards(run),
        note(SINGLE_RUN),
    ]
    body.extend(element("p", text, class_="warning") for text in run.notes)
    if run.facts.get("invariants_hold") is False or any(
        not v.get("valid", False) for v in run.invariants.values()
    ):
        body.append(
            element(
                "p",
                "An invariant checker found a violation in this run's history: see Invariants "
                "for the witness rows and their orders' correlation ids.",
                class_="warning",
            )
        )
    return Section("summary", "Summary", join(body))


def _scenario(run: LoadedRun) -> Section:
    s = run.scenario
    facts = run.facts
    seed: object = run.seed
    if facts.get("study_seed") is not None:
        of = f"replication {facts.get('replication')} of study seed {facts['study_seed']}"
        seed = f"{run.seed} ({of})"
    channels = ", ".join(f"{name} {share(part)}" for name, part in s.demand.channels.items())
    identity = definitions(
        [
            ("name", s.name),
            ("description", s.description or "-"),
            ("integration pattern", s.integration.pattern),
            ("seed", seed),
            ("start", s.start.isoformat()),
            ("demand days / drain days", f"{s.demand_days:g} / {s.drain_days:g}"),
            ("horizon", f"{hours(run.horizon_s)} ({run.horizon_s / 86400:.2f} simulated days)"),
            ("orders per business day", decimal(s.demand.orders_per_business_day, 0)),
            ("channels", channels or "-"),
            ("sites", ", ".join(s.sites) or "-"),
            ("history rows", count(facts.get("history_rows", len(run.history)))),
            ("history SHA-256", element("code", facts.get("history_sha256", "-"))),
            ("history format", facts.get("history_format", "-")),
            ("run folder", element("code", str(run.folder))),
        ]
    )
    mechanisms = s.integration.mechanisms.model_dump()
    off = [name for name, on in mechanisms.items() if not on]
    changed = _changed_settings(s)
    settings = join(
        element("h3", "Key settings"),
        note(
            "Resilience mechanisms switched off: "
            + (", ".join(off) if off else "none (all on)")
            + ". Every setting this scenario sets to something other than o2csim's default:"
        ),
        table(["setting", "this run", "default"], changed)
        if changed
        else note("none: o2csim's defaults throughout"),
    )
    declared = join(
        element("h3", "Targets declared"),
        table(
            ["SLA target", "percentile", "at most"],
            [(_label(k), f"p{v.percentile:g}", duration(v.max_s)) for k, v in s.slas.items()],
        )
        if s.slas
        else note("no SLA targets"),
        table(["threshold line"], [(line,) for line in s.thresholds]) if s.thresholds else None,
    )
    provenance = facts.get("provenance") or {}
    wall = facts.get("wall_seconds") or {}
    made = join(
        element("h3", "Provenance"),
        table(
            ["what", "value"],
            [(k, v) for k, v in provenance.items()]
            + [(f"wall time: {k}", duration(v)) for k, v in wall.items()],
        ),
    )
    resolved = details(
        "The resolved scenario, as run.json records it",
        element("pre", json.dumps(facts.get("resolved_scenario"), indent=2)),
    )
    return Section("scenario", "Scenario", join(identity, settings, declared, made, resolved))


def _timing(spec: Any) -> str:
    if spec.windows:
        return "; ".join(f"{w.start_h:g}-{w.end_h:g} h" for w in spec.windows)
    if spec.weekly is not None:
        w = spec.weekly
        every = "weekly" if w.every_weeks == 1 else f"every {w.every_weeks} weeks"
        return f"{every}: weekday {w.weekday}, from {w.start_hour:g} h for {w.duration_h:g} h"
    if spec.random is not None:
        return f"random: MTBF {spec.random.mtbf_h:g} h, MTTR {spec.random.mttr_h:g} h"
    return "the whole run"


def _params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_value_text(v)}" for k, v in params.items()) or "-"


def _faults(run: LoadedRun) -> Section:
    s = run.scenario
    specs = (
        table(
            ["kind", "target", "timing", "parameters"],
            [(f.kind, f.target, _timing(f), _params(f.params())) for f in s.faults],
            caption="Faults the scenario declares",
        )
        if s.faults
        else note("The scenario declares no faults.")
    )
    windows = fault_windows(run, None)
    labels = {(w.kind, w.target, w.start_h, w.end_h): w.label for w in windows}
    listed = run.timeline.windows[:TIMELINE_ROWS]
    rows = []
    for w in listed:
        start, end = w.start_s / 3600, min(w.end_s, run.horizon_s) / 3600
        label = labels.get((w.kind, w.target, max(w.start_s, 0.0) / 3600, end), w.kind)
        rows.append(
            (
                w.kind,
                w.target,
                "maintenance" if label == "maintenance" else "",
                f"{start:.2f}",
                f"{w.end_s / 3600:.2f}" if w.end_s <= run.horizon_s else "end of run",
                duration(min(w.end_s, run.horizon_s) - w.start_s),
                _params(w.params),
            )
        )
    more = len(run.timeline.windows) - len(listed)
    timeline = join(
        figure(
            lambda: plot_fault_timeline(run),
            "fault timeline",
            "Each fault window as a bar in its lane (kind: target), in simulated hours since "
            "the start; outages red, scheduled maintenance purple. The outages are shaded "
            "behind the time series below.",
        ),
        table(
            ["kind", "target", "schedule", "start (h)", "end (h)", "lasts", "parameters"],
            rows,
            caption="Fault timeline: the windows the run applied (the same under every pattern)",
            numeric=(3, 4, 5),
        )
        if rows
        else note("No fault window was in force."),
        note(f"{more} more windows are in run.json (fault_timeline).") if more > 0 else None,
    )
    return Section("faults", "Faults", join(specs, timeline))


def _latency_rows(stats: Mapping[str, Any], prefix: str = "") -> list[tuple[object, ...]]:
    return [
        (
            prefix + _label(name),
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
            (_label(metric), *(duration((per.get(key) or {}).get("p95")) for key in keys))
            for metric, per in cuts.items()
        ],
        caption=f"p95 by {by}",
        numeric=range(1, len(keys) + 1),
    )


def _kpis(run: LoadedRun) -> Section:
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
    cdfs = figure(
        lambda: plot_latency_cdfs(run),
        "latency CDFs",
        "Each latency metric's finished samples as a CDF (log axis): the curve crosses 0.95 "
        "at the metric's p95. The legend gives how many samples never finished.",
    )
    body = join(
        note(SINGLE_RUN),
        latency,
        cdfs,
        details("Latency p95 by region and by channel", *cuts) if any(cuts) else None,
        quality,
        delivery,
        calls,
        details("Endpoints: calls, waits and service times", endpoint_table) if endpoints else None,
    )
    return Section("kpis", "KPIs", body)


def _gates(run: LoadedRun) -> Section:
    m = run.metrics
    sla = m.get("sla") or {}
    thresholds = m.get("thresholds") or {}
    parts: list[Markup] = [note(SINGLE_RUN)]
    if sla:
        parts.append(
            table(
                ["SLA", "target", "observed", "compliance", "unfinished", "verdict"],
                [
                    (
                        _label(name),
                        f"p{v.get('percentile', 0):g} <= {duration(v.get('max_s'))}",
                        duration(v.get("observed_s")),
                        share(v.get("compliance")),
                        count(v.get("censored")),
                        badge(v.get("passed")),
                    )
                    for name, v in sla.items()
                ],
                caption="SLA verdicts (single run: this run's percentile against the target; "
                "unfinished samples count as misses)",
                numeric=(2, 3, 4),
            )
        )
    else:
        parts.append(note("The scenario sets no SLA target."))
    if thresholds:
        parts.append(
            table(
                ["threshold", "figure", "observed", "verdict"],
                [
                    (
                        line,
                        v.get("figure") or v.get("error") or "-",
                        number(v.get("observed")),
                        badge(None) if "error" in v else badge(v.get("passed")),
                    )
                    for line, v in thresholds.items()
                ],
                caption="Thresholds (single run: this run's figure against the line; "
                "durations in seconds, shares as fractions)",
                numeric=(2,),
            )
        )
    else:
        parts.append(note("The scenario sets no threshold line."))
    return Section("gates", "SLAs and thresholds", join(parts))


def _witness(name: str, verdict: Mapping[str, Any]) -> Markup:
    rows = verdict.get("witness") or []
    shown = rows[:WITNESS_ROWS]
    columns = (
        "correlation_id",
        "row",
        "time",
        "event",
        "actor",
        "order",
        "subject",
        "status",
        "value",
        "value2",
    )
    table_rows = [
        (
            element("code", row.get("correlation_id", "-")),
            row.get("row"),
            hours(row.get("time")),
            row.get("event"),
            row.get("actor"),
            row.get("order"),
            row.get("subject"),
            row.get("status"),
            number(row.get("value")),
            number(row.get("value2")),
        )
        for row in shown
    ]
    ids = list(dict.fromkeys(str(r["correlation_id"]) for r in rows if "correlation_id" in r))
    return join(
        element("h3", f"{_label(name)}: witness rows"),
        note(
            f"{len(rows)} witness rows of {len(ids)} orders"
            + (f"; the first {len(shown)} shown, all in run.json" if len(rows) > len(shown) else "")
            + (
                f". Orders: {', '.join(ids[:12])}" + (" ..." if len(ids) > 12 else "")
                if ids
                else ""
            )
            + (f". {verdict['note']}" if verdict.get("note") else "")
        ),
        table(
            [c.replace("_", " ") for c in columns],
            table_rows,
            numeric=(1, 2, 5, 6, 8, 9),
            class_="data witness",
        ),
    )


def _invariants(run: LoadedRun) -> Section:
    verdicts = run.invariants
    if not verdicts:
        return Section("invariants", "Invariants", note("run.json records no invariant verdicts."))
    summary = table(
        ["invariant", "verdict", "counts"],
        [
            (
                _label(name),
                badge(v.get("valid"), "holds", "VIOLATED"),
                ", ".join(f"{_label(k)} {count(c)}" for k, c in (v.get("counts") or {}).items()),
            )
            for name, v in verdicts.items()
        ],
        caption="History-only invariant checkers (DOMAIN.md), as run.json records their verdicts",
        row_classes={i: "failed" for i, v in enumerate(verdicts.values()) if not v.get("valid")},
    )
    witnesses = [_witness(name, v) for name, v in verdicts.items() if not v.get("valid")]
    return Section("invariants", "Invariants", join(summary, witnesses))


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


def _alerts(run: LoadedRun) -> Section:
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
    return Section("alerts", "Alerts, detection and recovery", join(parts))


def _over_time(run: LoadedRun) -> Section:
    charts: list[tuple[Callable[[], Axes], str, str]] = [
        (
            lambda: plot_backlog(run),
            "integration backlog",
            "Orders and messages the integration still owes, term by term, and the exceptions "
            "open at the order desk; outage windows shaded.",
        ),
        (
            lambda: plot_throughput(run),
            "throughput against arrivals",
            "Orders accepted per hour (bars) against ERP orders created and shipments "
            "(steps): a gap during an outage and the catch-up after it.",
        ),
        (
            lambda: plot_dead_letters_and_exceptions(run),
            "dead letters and exceptions",
            "Dead letters waiting (dead-lettered, less replayed) and exceptions open at the "
            "order desk.",
        ),
        (
            lambda: plot_crm_staleness(run),
            "CRM staleness",
            "Per hour, the share of open-order time in which CRM shows a status other than the "
            "ERP's; dashed, the run's time-weighted share.",
        ),
        (
            lambda: plot_endpoint_utilisation(run),
            "endpoint utilisation",
            "Busy share of the servers of the six busiest endpoints, per hour.",
        ),
    ]
    return Section(
        "over-time",
        "Over time",
        join(figure(draw, alt, caption) for draw, alt, caption in charts),
    )


def run_sections(run: LoadedRun) -> list[Section]:
    """The report's sections, top to bottom."""
    return [
        _summary(run),
        _scenario(run),
        _faults(run),
        _kpis(run),
        _gates(run),
        _invariants(run),
        _alerts(run),
        _over_time(run),
    ]
