"""Write a comparison: the tidy table as Parquet, the summary as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from sim.compare.study import CompareResult
from sim.report.files import json_ready

__all__ = ["OUTPUT_NAMES", "write_compare_outputs"]

OUTPUT_NAMES = ("replications.parquet", "summary.json")
"""The files a comparison writes into its output folder."""


def write_compare_outputs(result: CompareResult, out_dir: Path) -> dict[str, Path]:
    """Write ``replications.parquet`` and ``summary.json`` into ``out_dir``.

    The Parquet file has one row per pattern x replication x KPI; in the JSON summary NaN
    and infinities become nulls.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"tidy": out_dir / OUTPUT_NAMES[0], "summary": out_dir / OUTPUT_NAMES[1]}
    result.tidy.to_parquet(paths["tidy"], index=False, compression="zstd")
    paths["summary"].write_text(json.dumps(json_ready(result.summary), indent=2) + "\n")
    return paths
