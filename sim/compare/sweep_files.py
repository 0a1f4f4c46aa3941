"""The files of ``o2csim sweep``: tidy table, verdicts, failures and a summary.

``sweep.parquet`` (one row per point x replication x KPI), ``verdicts.parquet`` (one row per
point and gate), ``failures.json`` (each failed task with its point, replication, seed and
error; an empty list when none failed) and ``sweep.json`` (what ran, where, and how much
came from the cache); in sensitivity mode also ``sensitivity.parquet`` (the ranking) and
the settings that could not be scaled in ``sweep.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.compare.points import PointsResult
from sim.report.files import json_ready

__all__ = ["SWEEP_OUTPUT_NAMES", "write_sweep_outputs"]

SWEEP_OUTPUT_NAMES = (
    "sweep.parquet",
    "verdicts.parquet",
    "failures.json",
    "sweep.json",
    "sensitivity.parquet",
)
"""Every file a sweep may write into its output folder."""


def write_sweep_outputs(
    result: PointsResult, folder: Path, summary: dict[str, Any], ranking: Any = None
) -> dict[str, Path]:
    """Write the sweep's files into ``folder``; ``ranking`` is a sensitivity table or None."""
    paths = {
        "tidy": folder / "sweep.parquet",
        "verdicts": folder / "verdicts.parquet",
        "failures": folder / "failures.json",
        "summary": folder / "sweep.json",
    }
    result.tidy.to_parquet(paths["tidy"], index=False)
    result.verdicts.to_parquet(paths["verdicts"], index=False)
    paths["failures"].write_text(json.dumps(result.failure_records(), indent=2) + "\n")
    pids = sorted({(w.host, w.pid) for w in result.workers.values() if w.pid})
    facts = {
        **summary,
        "study_seed": result.study_seed,
        "replications": result.per_point,
        "points": len(result.labels),
        "tasks": len(result.labels) * result.per_point,
        "ran": result.ran,
        "cached": result.cached,
        "failed": len(result.failures),
        "worker_processes": [{"host": host, "pid": pid} for host, pid in pids],
    }
    paths["summary"].write_text(json.dumps(json_ready(facts), indent=2) + "\n")
    if ranking is not None:
        paths["sensitivity"] = folder / "sensitivity.parquet"
        ranking.to_parquet(paths["sensitivity"], index=False)
    return paths
