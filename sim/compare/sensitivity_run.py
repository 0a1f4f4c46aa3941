"""Sensitivity: which assumptions move the SLA verdicts, one assumption at a time.

:func:`sensitivity` runs a baseline point (the scenario as given) and, for every numeric
default labelled an assumption (:mod:`sim.compare.assumptions`), a point with that one
setting multiplied by each factor, all on the same replication seeds. It then ranks the
assumptions per SLA target: first by how many of their factors flip the SLA's verdict
against the baseline's, then by the largest change of the SLA statistic's mean relative to
the baseline's mean. Each change is a paired difference across replications (common random
numbers: the same orders meet both settings) with its 95% interval.

The result's ``ranking`` table has one row per assumption x factor x SLA; ``skipped`` says
which settings (or factors) could not be scaled and why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.compare.assumptions import DEFAULTS_DOC, assumption_paths, scaled
from sim.compare.cache import TaskCache
from sim.compare.grid import GridError, with_settings
from sim.compare.points import Point, PointsResult, run_points
from sim.compare.stats import paired_difference
from sim.executors import Executor, TaskProgress, local_executor
from sim.scenario import Scenario

__all__ = [
    "BASELINE",
    "DEFAULT_FACTORS",
    "RANKING_COLUMNS",
    "SensitivityResult",
    "sensitivity",
    "rank_assumptions",
    "sensitivity_points",
]

BASELINE = "(baseline)"
"""The ``setting`` label of the point that runs the scenario as given."""

DEFAULT_FACTORS = (0.5, 2.0)
"""Each assumption is halved and doubled unless other factors are given."""

RANKING_COLUMNS = (
    "gate",
    "rank",
    "setting",
    "factor",
    "setting_value",
    "baseline_passed",
    "passed",
    "flipped",
    "baseline_mean",
    "mean",
    "change",
    "change_low",
    "change_high",
    "relative_change",
    "relative_low",
    "relative_high",
)
"""Columns of :attr:`SensitivityResult.ranking`."""


@dataclass
class SensitivityResult:
    """The sweep behind a sensitivity study, its ranking and what was skipped."""

    points: PointsResult
    ranking: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)
    factors: tuple[float, ...] = DEFAULT_FACTORS


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in value.items()
        )
        return f"({inner})"
    return f"{value:g}" if isinstance(value, float) else str(value)


def sensitivity_points(
    scenario: Scenario,
    factors: Sequence[float] = DEFAULT_FACTORS,
    prefixes: Sequence[str] = (),
    doc: Path | None = DEFAULTS_DOC,
) -> tuple[list[Point], dict[str, str]]:
    """The baseline point, one point per assumption and factor, and what was skipped.

    A setting none of whose factors can be scaled is skipped with the reasons; a setting
    with some factors that cannot be is kept with the others, and the skipped factors are
    named too (``path xF``).
    """
    if not factors or any(not (f > 0 and math.isfinite(f)) or f == 1 for f in factors):
        raise GridError("", f"--factors {list(factors)}: expected positive factors other than 1")
    base_label = {"setting": BASELINE, "factor": 1.0, "setting_value": ""}
    points: list[Point] = [(base_label, scenario)]
    skipped: dict[str, str] = {}
    for path in assumption_paths(prefixes, doc):
        reasons = []
        for factor in factors:
            value, why = scaled(scenario, path, factor)
            if value is None:
                reasons.append(why)
                continue
            try:
                changed = with_settings(scenario, {path: value})
            except GridError as exc:
                reasons.append(
                    f"x{factor:g} is not a valid scenario ({str(exc).splitlines()[-1].strip()})"
                )
                continue
            label = {"setting": path, "factor": float(factor), "setting_value": _shown(value)}
            points.append((label, changed))
        if len(reasons) == len(factors):
            skipped[path] = "; ".join(dict.fromkeys(reasons))
        else:
            for reason in reasons:
                skipped[f"{path} {reason.split(' ')[0]}"] = reason
    return points, skipped


def rank_assumptions(result: PointsResult, scenario: Scenario) -> pd.DataFrame:
    """One row per assumption x factor x SLA, ranked per SLA."""
    tidy, verdicts = result.tidy, result.verdicts
    slas = sorted(scenario.slas)
    base_mask = verdicts["setting"] == BASELINE
    records = []
    for gate in slas:
        statistic = tidy[tidy["kpi"] == f"sla.{gate}"]
        by_point = {
            key: frame.sort_values("replication")
            for key, frame in statistic.groupby(["setting", "factor"], sort=False)
        }
        base = by_point.get((BASELINE, 1.0))
        base_verdict = verdicts[base_mask & (verdicts["gate"] == gate)]
        base_passed = _verdict(base_verdict["passed"].iloc[0]) if len(base_verdict) else None
        gate_verdicts = verdicts[(verdicts["gate"] == gate) & ~base_mask]
        for row in gate_verdicts.itertuples(index=False):
            key = (row.setting, row.factor)
            mine = by_point.get(key)
            cell = _change(mine, base)
            base_mean = cell.pop("base_mean")
            scale = abs(base_mean) if math.isfinite(base_mean) and base_mean else math.nan
            passed = _verdict(row.passed)
            flipped = passed is not None and base_passed is not None and passed != base_passed
            records.append(
                {
                    "gate": gate,
                    "setting": row.setting,
                    "factor": row.factor,
                    "setting_value": row.setting_value,
                    "baseline_passed": base_passed,
                    "passed": passed,
                    "flipped": flipped,
                    "baseline_mean": base_mean,
                    "mean": cell["mean"],
                    "change": cell["change"],
                    "change_low": cell["low"],
                    "change_high": cell["high"],
                    "relative_change": cell["change"] / scale,
                    "relative_low": cell["low"] / scale,
                    "relative_high": cell["high"] / scale,
                }
            )
    frame = pd.DataFrame.from_records(records, columns=[c for c in RANKING_COLUMNS if c != "rank"])
    if frame.empty:
        frame.insert(1, "rank", pd.Series(dtype="int64"))
        return frame
    frame["size"] = frame["relative_change"].abs().fillna(-1.0)
    per_setting = frame.groupby(["gate", "setting"], sort=False).agg(
        flips=("flipped", "sum"), size=("size", "max")
    )
    per_setting = per_setting.sort_values(["flips", "size"], ascending=False, kind="stable")
    per_setting["rank"] = per_setting.groupby(level="gate").cumcount() + 1
    frame = frame.join(per_setting["rank"], on=["gate", "setting"]).drop(columns="size")
    frame = frame.sort_values(["gate", "rank", "factor"], kind="stable").reset_index(drop=True)
    return frame[list(RANKING_COLUMNS)].astype(
        {
            "gate": "string",
            "setting": "string",
            "setting_value": "string",
            "rank": "int64",
            "baseline_passed": "boolean",
            "passed": "boolean",
            "flipped": "bool",
        }
    )


def _verdict(value: object) -> bool | None:
    """A nullable verdict cell as True, False or None (no verdict)."""
    return None if value is None or value is pd.NA else bool(value)


def _change(mine: pd.DataFrame | None, base: pd.DataFrame | None) -> dict[str, float]:
    """The point's mean, the paired change from the baseline with its interval."""
    nan = math.nan
    if mine is None or base is None:
        return {"mean": nan, "change": nan, "low": nan, "high": nan, "base_mean": nan}
    paired = mine.merge(base, on="replication", suffixes=("", "_base"))
    values = paired["value"].to_numpy(dtype=np.float64)
    reference = paired["value_base"].to_numpy(dtype=np.float64)
    cell = paired_difference(values, reference) if len(values) >= 2 else {}
    base_values = base["value"].to_numpy(dtype=np.float64)
    return {
        "mean": float(values.mean()) if values.size else nan,
        "change": float(cell.get("mean", nan)),
        "low": float(cell.get("low", nan)),
        "high": float(cell.get("high", nan)),
        "base_mean": float(base_values.mean()) if base_values.size else nan,
    }


def sensitivity(
    scenario: Scenario,
    factors: Sequence[float] = DEFAULT_FACTORS,
    prefixes: Sequence[str] = (),
    replications: int = 5,
    seed: int | None = None,
    executor: Executor | None = None,
    workers: int = 1,
    cache: Path | TaskCache | None = None,
    progress: TaskProgress | None = None,
    doc: Path | None = DEFAULTS_DOC,
) -> SensitivityResult:
    """Vary each assumption (under ``prefixes``) by ``factors`` and rank them per SLA.

    Replications, seeds, executor and cache work as in :func:`sim.compare.grid_sweep`.
    """
    points, skipped = sensitivity_points(scenario, factors, prefixes, doc)
    if len(points) == 1:
        raise GridError("", f"no assumption under {list(prefixes) or 'any prefix'} can be scaled")
    study_seed = scenario.seed if seed is None else seed
    store = TaskCache(cache) if isinstance(cache, Path) else cache
    runner = executor or local_executor(max(1, min(workers, len(points) * replications)))
    result = run_points(points, replications, study_seed, runner, store, progress)
    return SensitivityResult(result, rank_assumptions(result, scenario), skipped, tuple(factors))
