"""The comparison report's gates: SLA and threshold verdicts across replications.

An SLA passes when the one-sided upper bound of its statistic's mean (Bonferroni-corrected
across the scenario's gates) is within the target; the SLA section shows each verdict,
the compliance chart (:func:`sim.report.plots.plot_sla_compliance`) and, for contrast,
each replication's single-run verdict. Thresholds are judged on the bound their operator
calls for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.report.compare import format_interval
from sim.report.html.compare_cells import NAN, as_float, interval
from sim.report.html.document import Section, badge, note
from sim.report.html.images import Chart, figure
from sim.report.html.markup import join, table
from sim.report.loaded import LoadedComparison
from sim.report.plots import plot_sla_compliance

__all__ = ["slas_section", "thresholds_section"]


def _rule(summary: Mapping[str, Any]) -> tuple[int, float, int]:
    rule = summary.get("sla_rule") or {}
    k = int(rule.get("bonferroni_k") or 1)
    level = 100 * (1 - as_float(rule.get("family_alpha", 0.05)) / k)
    return summary["replications"], level, k


def slas_section(loaded: LoadedComparison) -> Section:
    """The SLA verdicts section: verdicts, the compliance chart, single-run contrast."""
    summary = loaded.summary
    sla = summary.get("sla") or {}
    n, level, k = _rule(summary)
    if not any(sla.values()):
        return Section("slas", "SLA verdicts", note("The scenario sets no SLA target."))
    rows: list[Sequence[object]] = []
    classes: dict[int, str] = {}
    for label in summary["patterns"]:
        cells = summary["kpis"].get(label) or {}
        for metric, v in (sla.get(label) or {}).items():
            compliance = cells.get(f"sla_compliance.{metric}") or {}
            if not v.get("passed"):
                classes[len(rows)] = "failed"
            rows.append(
                (
                    label,
                    metric.replace("_", " "),
                    f"p{as_float(v.get('percentile')):g} <= "
                    + format_interval(as_float(v.get("max_s")), NAN, "s"),
                    format_interval(as_float(v.get("mean")), as_float(v.get("half_width")), "s"),
                    format_interval(as_float(v.get("upper_bound")), NAN, "s"),
                    interval(compliance, "share", "USD"),
                    badge(v.get("passed")),
                )
            )
    verdicts = table(
        ["pattern", "SLA", "target", "statistic (95% CI)", "upper bound", "compliance", "verdict"],
        rows,
        caption=(
            f"SLA verdicts across {n} replications: passes when the one-sided {level:.4g}% upper "
            f"bound (t, {n - 1} dof; Bonferroni over {k} gates) is within the target"
        ),
        numeric=(2, 3, 4, 5),
        row_classes=classes,
    )
    chart = Chart(
        "sla_compliance",
        lambda: plot_sla_compliance(summary),
        "SLA compliance across replications",
        "Per SLA and pattern: the mean of the replications' statistic as a share of the target "
        "with its 95% interval, the upper bound the verdict used (triangle) and the target "
        "(dashed); a hatched bar fails. A statistic with no finite value has no bar.",
    )
    single = summary.get("single_run_sla_passed") or {}
    per_run = (
        table(
            ["pattern", *(f"rep {i}" for i in range(n))],
            [(label, *(badge(p) for p in single.get(label, []))) for label in summary["patterns"]],
            caption="For contrast: each replication's single-run verdict (all SLAs and "
            "thresholds) on its own",
        )
        if single
        else None
    )
    return Section("slas", "SLA verdicts", join(verdicts, figure(chart), per_run), (chart,))


def thresholds_section(loaded: LoadedComparison) -> Section:
    """The Thresholds section: each line's mean, bound and verdict per pattern."""
    summary = loaded.summary
    thresholds = summary.get("thresholds") or {}
    n, level, k = _rule(summary)
    if not any(thresholds.values()):
        return Section("thresholds", "Thresholds", note("The scenario sets no threshold line."))
    rows: list[Sequence[object]] = []
    classes: dict[int, str] = {}
    for label in summary["patterns"]:
        for line, v in (thresholds.get(label) or {}).items():
            if not v.get("passed"):
                classes[len(rows)] = "failed"
            rows.append(
                (
                    label,
                    line,
                    format_interval(as_float(v.get("mean")), as_float(v.get("half_width")), ""),
                    format_interval(as_float(v.get("bound")), NAN, ""),
                    badge(v.get("passed")),
                )
            )
    return Section(
        "thresholds",
        "Thresholds",
        table(
            ["pattern", "threshold", "mean (95% CI)", "bound", "verdict"],
            rows,
            caption=(
                f"Thresholds across {n} replications: < and <= judged on the one-sided "
                f"{level:.4g}% upper bound, > and >= on the lower bound (Bonferroni over {k} "
                "gates); == only when every replication equals the limit. Durations in "
                "seconds, shares as fractions."
            ),
            numeric=(2, 3),
            row_classes=classes,
        ),
    )
