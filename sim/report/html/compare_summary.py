"""The comparison report's summary: a verdict card per pattern and the study's facts.

A card says whether each pattern passed every SLA and threshold across replications; the
facts name the scenario, the replications and their seeds, the patterns and the reference,
and whether common random numbers held (a warning when they did not: the differences
then include demand noise).
"""

from __future__ import annotations

from sim.report.html.compare_cells import several_patterns
from sim.report.html.document import Section, definitions
from sim.report.html.markup import element, join
from sim.report.loaded import LoadedComparison

__all__ = ["summary_section"]


def summary_section(loaded: LoadedComparison) -> Section:
    """The Summary section: the verdict rule, a card per pattern, the facts."""
    summary = loaded.summary
    crn = summary.get("common_random_numbers") or {}
    passed = summary.get("sla_passed") or {}
    cards = element(
        "div",
        (
            element(
                "div",
                element("div", f"{label}: SLAs and thresholds", class_="label"),
                element(
                    "div",
                    "-" if passed.get(label) is None else ("pass" if passed[label] else "FAIL"),
                    class_="value",
                ),
                class_="card"
                + ("" if passed.get(label) is None else (" pass" if passed[label] else " fail")),
            )
            for label in summary["patterns"]
        ),
        class_="cards",
    )
    facts = definitions(
        [
            ("scenario", summary["scenario"]),
            ("replications", summary["replications"]),
            ("study seed", summary.get("study_seed")),
            (
                "replication seeds",
                element("code", ", ".join(str(s) for s in summary.get("replication_seeds", []))),
            ),
            ("patterns", ", ".join(summary["patterns"])),
            (
                "pattern specs",
                ", ".join(f"{k} = {v}" for k, v in (summary.get("pattern_specs") or {}).items()),
            ),
            ("reference", summary["reference"] if several_patterns(summary) else "-"),
            (
                "common random numbers",
                f"same orders: {crn.get('same_orders')}, "
                f"same fault timeline: {crn.get('same_fault_timeline')}",
            ),
            ("comparison folder", element("code", str(loaded.folder))),
        ]
    )
    warning = None
    if several_patterns(summary) and not (
        crn.get("same_orders") and crn.get("same_fault_timeline")
    ):
        warning = element(
            "p",
            "The patterns did not all take the same orders and fault timeline in every "
            "replication: the differences include demand noise.",
            class_="warning",
        )
    return Section(
        "summary",
        "Summary",
        join(
            element(
                "p",
                "Verdicts across replications: an SLA passes when the one-sided upper bound of "
                "its statistic's mean (Bonferroni-corrected across the scenario's gates) is "
                "within the target.",
                class_="lead",
            ),
            cards,
            warning,
            facts,
        ),
    )
