"""The run report's verdicts: SLA targets, threshold lines and invariants with witnesses.

SLA and threshold verdicts are this run's figure against the target (a single run's, and
labelled so); the invariant verdicts are the history-only checkers' as ``run.json``
records them, and each violated invariant lists its witness rows (:data:`WITNESS_ROWS` of
them at most) with the orders' correlation ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.report.html.document import Section, badge, note
from sim.report.html.markup import Markup, element, join, table
from sim.report.html.numbers import count, duration, hours, number, share
from sim.report.html.run_wording import SINGLE_RUN, words
from sim.report.loaded import LoadedRun

__all__ = ["WITNESS_ROWS", "gates_section", "invariants_section"]

WITNESS_ROWS = 40
"""Witness rows shown per violated invariant (all of them are in ``run.json``)."""


def gates_section(run: LoadedRun) -> Section:
    """The SLAs and thresholds section: each target and line against this run."""
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
                        words(name),
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
        element("h3", f"{words(name)}: witness rows"),
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


def invariants_section(run: LoadedRun) -> Section:
    """The Invariants section: each checker's verdict, then the witnesses of a violation."""
    verdicts = run.invariants
    if not verdicts:
        return Section("invariants", "Invariants", note("run.json records no invariant verdicts."))
    summary = table(
        ["invariant", "verdict", "counts"],
        [
            (
                words(name),
                badge(v.get("valid"), "holds", "VIOLATED"),
                ", ".join(f"{words(k)} {count(c)}" for k, c in (v.get("counts") or {}).items()),
            )
            for name, v in verdicts.items()
        ],
        caption="History-only invariant checkers (DOMAIN.md), as run.json records their verdicts",
        row_classes={i: "failed" for i, v in enumerate(verdicts.values()) if not v.get("valid")},
    )
    witnesses = [_witness(name, v) for name, v in verdicts.items() if not v.get("valid")]
    return Section("invariants", "Invariants", join(summary, witnesses))
