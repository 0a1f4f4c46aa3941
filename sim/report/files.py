"""Write a run's outputs: history as Parquet, metrics and run facts as JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sim.engine.history import HISTORY_FORMAT
from sim.provenance import provenance
from sim.run import RunResult

__all__ = ["write_outputs", "json_ready"]


def json_ready(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) with ``None``, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def write_outputs(
    result: RunResult, out_dir: Path, extra_facts: dict[str, Any] | None = None
) -> dict[str, Path]:
    """Write ``history.parquet``, ``metrics.json`` and ``run.json`` into ``out_dir``.

    ``extra_facts`` go into ``run.json`` after ``seed`` (for a replication run on its own:
    ``study_seed`` and ``replication``).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "history": out_dir / "history.parquet",
        "metrics": out_dir / "metrics.json",
        "run": out_dir / "run.json",
    }
    result.history.write_parquet(paths["history"], compression="zstd")
    paths["metrics"].write_text(json.dumps(json_ready(result.metrics), indent=2) + "\n")
    facts = {
        "scenario": result.scenario.name,
        "seed": result.seed,
        **(extra_facts or {}),
        "horizon_s": result.horizon_s,
        "history_rows": len(result.history),
        "history_sha256": result.history_hash,
        "history_format": HISTORY_FORMAT,
        "provenance": provenance(),
        "sla_passed": result.sla_passed,
        "invariants_hold": result.invariants_hold,
        "invariants": {name: v.to_dict() for name, v in result.invariants.items()},
        "wall_seconds": result.wall_seconds,
        "resolved_scenario": result.scenario.model_dump(mode="json"),
        "fault_timeline": result.timeline.model_dump(mode="json")["windows"],
    }
    paths["run"].write_text(json.dumps(json_ready(facts), indent=2) + "\n")
    return paths
