"""The run report's summary: the scenario's description, verdict cards and warnings.

The cards count the SLA targets and threshold lines this run met, the invariants that hold,
the alert episodes and fault windows, and the orders accepted; a violated invariant or a
note the run recorded is repeated below them as a warning.
"""

from __future__ import annotations

from sim.report.html.document import Section, note
from sim.report.html.markup import Markup, element, join
from sim.report.html.numbers import count
from sim.report.html.run_wording import SINGLE_RUN
from sim.report.loaded import LoadedRun

__all__ = ["summary_section"]


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


def summary_section(run: LoadedRun) -> Section:
    """The Summary section: description, cards, the single-run caveat, warnings."""
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
