"""The report of a comparison folder: KPIs with intervals, paired differences, verdicts, costs.

It reads ``summary.json`` (the intervals, the paired differences with their Holm-adjusted
p-values, the SLA and threshold verdicts across replications, the unit costs) and
``replications.parquet`` (each replication's figures), as ``o2csim compare --out`` or
``o2csim run --replications N --out`` wrote them. The tables are the console's
(:mod:`sim.report.compare`), with the same cells; the SLA chart is
:func:`sim.report.plots.plot_sla_compliance`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.kpis import SYSTEMS, kpi_info
from sim.report.compare import TABLES, format_interval
from sim.report.html.document import Section, badge, definitions, details, note
from sim.report.html.images import figure
from sim.report.html.markup import Markup, element, join, table
from sim.report.html.numbers import count, share
from sim.report.loaded import LoadedComparison
from sim.report.plots import plot_sla_compliance

__all__ = ["compare_sections", "compare_title"]

_NAN = math.nan


def compare_title(loaded: LoadedComparison) -> str:
    """The page title."""
    return f"o2csim comparison report: {loaded.summary['scenario']}"


def _float(value: object) -> float:
    """A figure from JSON: ``None`` (NaN or infinity when written) reads as NaN."""
    if value is None or isinstance(value, bool):
        return _NAN
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _NAN


def _interval(
    cell: Mapping[str, Any] | None, unit: str, currency: str, signed: bool = False
) -> str:
    cell = cell or {}
    return format_interval(
        _float(cell.get("mean")), _float(cell.get("half_width")), unit, signed, currency
    )


def _currency(summary: Mapping[str, Any]) -> str:
    return str((summary.get("costs") or {}).get("currency", "USD"))


def _several(summary: Mapping[str, Any]) -> bool:
    return len(summary.get("patterns") or []) > 1


def _difference(cell: Mapping[str, Any] | None, unit: str, currency: str) -> Markup:
    text = _interval(cell, unit, currency, signed=True)
    if cell and cell.get("significant"):
        return element("strong", f"{text} *")
    return element("span", text)


def _kpi_table(summary: Mapping[str, Any], title: str, kpis: Sequence[str]) -> Markup:
    currency = _currency(summary)
    reference = summary["reference"]
    calls = tuple(kpis) == SYSTEMS
    names = [f"calls_per_order.{s}" for s in kpis] if calls else list(kpis)
    header = ["pattern", *(kpis if calls else [kpi_info(k).label for k in kpis])]
    rows: list[Sequence[object]] = []
    classes: dict[int, str] = {}
    for label in summary["patterns"]:
        cells = summary["kpis"].get(label) or {}
        if calls:
            row: list[object] = [label]
            for system in kpis:
                text = _interval(cells.get(f"calls_per_order.{system}"), "ratio", currency)
                use = _float((cells.get(f"limit_use.{system}") or {}).get("mean"))
                row.append(
                    f"{text} (no limit)"
                    if math.isnan(use)
                    else f"{text} ({format_interval(use, _NAN, 'share')} of limit)"
                )
            rows.append(row)
        else:
            rows.append(
                [label, *(_interval(cells.get(k), kpi_info(k).unit, currency) for k in kpis)]
            )
        differences = (summary.get("differences") or {}).get(label)
        if differences is None:
            continue
        classes[len(rows)] = "diff"
        rows.append(
            [
                f"Δ vs {reference}",
                *(_difference(differences.get(n), kpi_info(n).unit, currency) for n in names),
            ]
        )
    return table(header, rows, caption=title, numeric=range(1, len(header)), row_classes=classes)


def _method(summary: Mapping[str, Any]) -> Markup:
    n = summary["replications"]
    text = (
        f"Cells: mean ± half-width of the 95% confidence interval (t, {n - 1} degrees of "
        f"freedom) across {n} replications; '-' means no value (no finished sample, no "
        "outage, or a figure that was infinite)."
    )
    if _several(summary):
        text += (
            f" Δ rows: the paired difference from {summary['reference']} (same replication "
            "seeds, paired t) with its 95% interval; * and bold where it is significant after "
            "Holm's adjustment across that pattern's KPIs (p_adjusted < 0.05)."
        )
    return note(text)


def _summary(loaded: LoadedComparison) -> Section:
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
            ("reference", summary["reference"] if _several(summary) else "-"),
            (
                "common random numbers",
                f"same orders: {crn.get('same_orders')}, "
                f"same fault timeline: {crn.get('same_fault_timeline')}",
            ),
            ("comparison folder", element("code", str(loaded.folder))),
        ]
    )
    warning = None
    if _several(summary) and not (crn.get("same_orders") and crn.get("same_fault_timeline")):
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


def _comparison(loaded: LoadedComparison) -> Section:
    summary = loaded.summary
    tables = [_kpi_table(summary, title, kpis) for title, kpis in TABLES[:2]]
    return Section("comparison", "Comparison", join(_method(summary), tables, _p_values(summary)))


def _p_values(summary: Mapping[str, Any]) -> Markup | None:
    differences = summary.get("differences") or {}
    if not differences:
        return None
    currency = _currency(summary)
    rows = [
        (
            label,
            kpi_info(kpi).label if "." not in kpi else kpi,
            _interval(cell, kpi_info(kpi).unit, currency, signed=True),
            f"{_float(cell.get('p_value')):.3g}",
            f"{_float(cell.get('p_adjusted')):.3g}",
            badge(
                None if math.isnan(_float(cell.get("p_value"))) else bool(cell.get("significant")),
                "significant",
                "no",
            ),
        )
        for label, cells in differences.items()
        for kpi, cell in cells.items()
    ]
    return details(
        f"Every paired difference from {summary['reference']}, with its p-value and "
        "Holm-adjusted p-value",
        table(
            ["pattern", "KPI", "difference (95% CI)", "p", "p (Holm)", "significant"],
            rows,
            numeric=(2, 3, 4),
        ),
    )


def _rule(summary: Mapping[str, Any]) -> tuple[int, float, int]:
    rule = summary.get("sla_rule") or {}
    k = int(rule.get("bonferroni_k") or 1)
    level = 100 * (1 - _float(rule.get("family_alpha", 0.05)) / k)
    return summary["replications"], level, k


def _slas(loaded: LoadedComparison) -> Section:
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
                    f"p{_float(v.get('percentile')):g} <= "
                    + format_interval(_float(v.get("max_s")), _NAN, "s"),
                    format_interval(_float(v.get("mean")), _float(v.get("half_width")), "s"),
                    format_interval(_float(v.get("upper_bound")), _NAN, "s"),
                    _interval(compliance, "share", "USD"),
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
    chart = figure(
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
    return Section("slas", "SLA verdicts", join(verdicts, chart, per_run))


def _thresholds(loaded: LoadedComparison) -> Section:
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
                    format_interval(_float(v.get("mean")), _float(v.get("half_width")), ""),
                    format_interval(_float(v.get("bound")), _NAN, ""),
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


def _operating(loaded: LoadedComparison) -> Section:
    summary = loaded.summary
    currency = _currency(summary)
    extra = ("messages_published", "manual_touches", "dead_letters_at_end")
    tables = [_kpi_table(summary, title, kpis) for title, kpis in TABLES[2:]]
    tables.append(_kpi_table(summary, "Totals per run", extra))
    costs = summary.get("costs") or {}
    cost_rows = [
        (name.replace("_", " "), value if not isinstance(value, dict) else _mapping(value))
        for name, value in costs.items()
    ]
    return Section(
        "operating",
        "Operating figures",
        join(
            _method(summary),
            tables,
            table(
                ["unit cost", "value"],
                cost_rows,
                caption=f"Cost assumptions behind cost per order ({currency}; o2csim compare "
                "--costs FILE or --cost field=value; defaults in docs/methodology.md)",
            )
            if cost_rows
            else None,
        ),
    )


def _mapping(value: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"


_REPLICATION_KPIS = (
    "order_creation_latency_p95_s",
    "order_cycle_time_p95_s",
    "orders_delivered",
    "crm_stale_share",
    "messages_per_order",
    "manual_touches_per_100_orders",
    "dead_letters",
    "retries",
    "cost_per_order",
)


def _cell(value: float, kpi: str, currency: str) -> str:
    unit = kpi_info(kpi).unit
    if unit == "count":
        return count(value)
    if unit == "share":
        return share(value)
    return format_interval(value, _NAN, unit, currency=currency)


def _replications(loaded: LoadedComparison) -> Section:
    tidy = loaded.tidy
    currency = _currency(loaded.summary)
    kpis = [k for k in _REPLICATION_KPIS if k in set(tidy["kpi"].astype(str))]
    wide = (
        tidy.assign(kpi=tidy["kpi"].astype(str), pattern=tidy["pattern"].astype(str))
        .drop_duplicates(["pattern", "replication", "seed", "kpi"])
        .set_index(["pattern", "replication", "seed", "kpi"])["value"]
        .unstack("kpi")
        .reindex(columns=kpis)
    )
    order = {label: i for i, label in enumerate(loaded.summary["patterns"])}
    keys = sorted(wide.index, key=lambda key: (order.get(str(key[0]), len(order)), key[1]))
    rows = [
        (
            pattern,
            replication,
            element("code", seed),
            *(_cell(float(wide.loc[(pattern, replication, seed), k]), k, currency) for k in kpis),
        )
        for pattern, replication, seed in keys
    ]
    return Section(
        "replications",
        "Replications",
        join(
            note(
                "Each replication's own figures, from replications.parquet: what the intervals "
                "above summarise. Replication i of every pattern ran with the same seed, so "
                "o2csim run SCENARIO --seed STUDY_SEED --replication i reproduces it alone."
            ),
            table(
                ["pattern", "replication", "seed", *(kpi_info(k).label for k in kpis)],
                rows,
                numeric=range(1, len(kpis) + 3),
            ),
            _histories(loaded.summary),
        ),
    )


def _histories(summary: Mapping[str, Any]) -> Markup | None:
    hashes = summary.get("history_sha256") or {}
    if not hashes:
        return None
    return details(
        "History SHA-256 of every run",
        table(
            ["pattern", "replication", "history SHA-256"],
            [
                (label, i, element("code", digest))
                for label, digests in hashes.items()
                for i, digest in enumerate(digests)
            ],
        ),
    )


def compare_sections(loaded: LoadedComparison) -> list[Section]:
    """The report's sections, top to bottom."""
    return [
        _summary(loaded),
        _comparison(loaded),
        _slas(loaded),
        _thresholds(loaded),
        _operating(loaded),
        _replications(loaded),
    ]
