"""The run report's scenario and faults: what was run, and the fault windows it applied.

The Scenario section names the run (pattern, seed, horizon, demand), lists every setting
the scenario changed from o2csim's defaults, the targets it declared and the provenance
``run.json`` recorded; the Faults section lists the faults the scenario declares and draws
and tabulates the windows the run applied (:data:`TIMELINE_ROWS` of them at most).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sim.report.html.document import Section, definitions, details, note
from sim.report.html.images import Chart, figure
from sim.report.html.markup import element, join, table
from sim.report.html.numbers import count, decimal, duration, hours, share
from sim.report.html.run_wording import value_text, words
from sim.report.loaded import LoadedRun
from sim.report.plots import fault_windows, plot_fault_timeline
from sim.scenario import Scenario

__all__ = ["TIMELINE_ROWS", "faults_section", "scenario_section"]

TIMELINE_ROWS = 200
"""Fault windows listed in the timeline table (all of them are in ``run.json``)."""


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves by dotted key; an empty mapping has none."""
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, inner in value.items():
            found.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return found
    return {prefix: value}


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
                    value_text(mine.get(key, "(not set)")),
                    value_text(default.get(key, "(not set)")),
                )
            )
    return rows


def scenario_section(run: LoadedRun) -> Section:
    """The Scenario section: identity, changed settings, targets, provenance, the YAML."""
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
            [(words(k), f"p{v.percentile:g}", duration(v.max_s)) for k, v in s.slas.items()],
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
    return ", ".join(f"{k}={value_text(v)}" for k, v in params.items()) or "-"


def faults_section(run: LoadedRun) -> Section:
    """The Faults section: the faults declared, the timeline chart and its windows."""
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
    chart = Chart(
        "fault_timeline",
        lambda: plot_fault_timeline(run),
        "fault timeline",
        "Each fault window as a bar in its lane (kind: target), in simulated hours since "
        "the start; outages red, scheduled maintenance purple. The outages are shaded "
        "behind the time series below.",
    )
    timeline = join(
        figure(chart),
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
    return Section("faults", "Faults", join(specs, timeline), (chart,))
