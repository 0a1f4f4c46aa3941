"""Where a run came from: o2csim's version and commit, the libraries it ran on, the format.

``run.json`` carries these so that a history checked on another machine, or months later,
says what produced it, and so that ``o2csim check RUN_DIR`` can refuse a history whose
layout (:data:`~sim.engine.history.HISTORY_FORMAT`) it does not know.
"""

from __future__ import annotations

import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

import sim
from sim.engine.history import HISTORY_FORMAT

__all__ = ["LIBRARIES", "commit", "provenance"]

LIBRARIES: tuple[str, ...] = ("simpy", "numpy", "pandas", "pyarrow", "pydantic")
"""The libraries whose versions a run records (they decide its numbers and its files)."""


@cache
def commit() -> str | None:
    """The git commit o2csim runs from (``+dirty`` with uncommitted changes), or ``None``.

    ``None`` when o2csim is not running from a git checkout (an installed wheel) or git is
    missing; never raises.
    """
    root = Path(sim.__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if changes else head or None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def provenance() -> dict[str, object]:
    """o2csim's version and commit, Python's and the libraries' versions, the history format."""
    return {
        "o2csim": sim.__version__,
        "commit": commit(),
        "python": platform.python_version(),
        **{name: _version(name) for name in LIBRARIES},
        "history_format": HISTORY_FORMAT,
    }
