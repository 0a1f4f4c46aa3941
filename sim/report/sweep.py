"""Console tables of a sweep: SLA verdicts per grid point, and a sensitivity ranking (rich).

:func:`print_sweep` shows one row per point with each gate's verdict across replications
(``pass``/``FAIL`` and the statistic's mean ± the 95% half-width; ``-`` when a task of the
point failed). :func:`print_sensitivity` shows, per SLA target, the assumptions ranked by
verdict flips and then by the relative change of the SLA statistic's mean, with its 95%
interval at each factor.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.report.compare import format_interval

__all__ = ["print_sensitivity", "print_sweep"]


def _passed(value: Any) -> str:
    if value is None or value is pd.NA:
        return "-"
    return "pass" if bool(value) else "[red]FAIL[/red]"


def print_sweep(verdicts: pd.DataFrame, labels: list[str], console: Console, title: str) -> None:
    """One row per point: its labels, then each gate's verdict and mean ± half-width."""
    gates = list(dict.fromkeys(verdicts["gate"]))
    table = Table(title=title, title_justify="left")
    for name in labels:
        table.add_column(name, justify="right")
    for gate in gates:
        table.add_column(str(gate), justify="right")
    for _, point in verdicts.groupby(labels, sort=False, dropna=False):
        first = point.iloc[0]
        cells = [str(first[name]) for name in labels]
        by_gate = {row["gate"]: row for row in point.to_dict("records")}
        for gate in gates:
            row = by_gate.get(gate)
            if row is None:
                cells.append("")
                continue
            unit = "s" if row["kind"] == "sla" else ""
            shown = format_interval(row["mean"], row["half_width"], unit)
            cells.append(f"{_passed(row['passed'])} {shown}")
        table.add_row(*cells)
    console.print(table)


def _relative(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:+.1%}"


def print_sensitivity(ranking: pd.DataFrame, console: Console, top: int = 10) -> None:
    """Per SLA target, the ``top`` assumptions that move it most."""
    for gate, rows in ranking.groupby("gate", sort=True):
        table = Table(
            title=f"Sensitivity of {gate} (verdict flips first, then relative change of the "
            "mean, 95% interval)",
            title_justify="left",
        )
        for name in ("rank", "assumption", "flips", "changes"):
            table.add_column(name, justify="left" if name in ("assumption", "changes") else "right")
        for rank, setting_rows in rows.groupby("rank", sort=True):
            if int(str(rank)) > top:
                break
            records = setting_rows.to_dict("records")
            first = records[0]
            flips = [
                f"x{r['factor']:g}: {_passed(first['baseline_passed'])} -> {_passed(r['passed'])}"
                for r in records
                if r["flipped"]
            ]
            changes = [
                f"x{r['factor']:g} ({r['setting_value']}): {_relative(r['relative_change'])} "
                f"[{_relative(r['relative_low'])}, {_relative(r['relative_high'])}]"
                for r in records
            ]
            table.add_row(
                str(rank), str(first["setting"]), "; ".join(flips) or "0", "\n".join(changes)
            )
        console.print(table)
