"""Helpers for driving the real ``o2csim`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]

# A valid scenario small enough to simulate in well under a second.
TINY: dict[str, Any] = {
    "name": "tiny",
    "seed": 7,
    "demand_days": 1,
    "drain_days": 3,
    "demand": {"orders_per_business_day": 60},
    "master_data": {"customers": 40, "products": 30},
}


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


def o2csim(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """Run ``python -m sim.cli ARGS``: the same ``main`` the ``o2csim`` script calls.

    ``env`` adds environment variables; the memory ceiling variable is otherwise unset so
    that every test sees the default.
    """
    dropped = {"FORCE_COLOR", "TERM", "O2CSIM_MAX_MEMORY_GIB"}
    full = {k: v for k, v in os.environ.items() if k not in dropped}
    full.update({"NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(REPO)})
    full.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=full,
        timeout=120,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def tiny_with(**sections: Any) -> dict[str, Any]:
    """The tiny scenario with top-level keys replaced (``demand={...}`` merges into demand)."""
    data: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in TINY.items()}
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return data
