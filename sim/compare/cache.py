"""Finished replications on disk, so an interrupted sweep resumes where it stopped.

A :class:`TaskCache` keeps one small JSON file per finished task, named by a key that
hashes what decides the run's result: the resolved scenario (its canonical JSON,
:func:`scenario_hash`), the task's seed, whether it also ran without faults, the cache
format, the history format and the code (:func:`code_fingerprint`: the source of ``sim``
and ``mock_systems``). Re-running a sweep with the same arguments finds its finished tasks
and runs only the others; changing the scenario, the seed or the code misses. A user's
pattern module outside the package is not part of the fingerprint: clear the cache (or
use another folder) after changing one.

A file is written whole (a temporary file, then a rename), so an interruption never leaves
half an entry; an entry that cannot be read is treated as missing and the task runs again.
Histories, kept runs and invariant verdicts are not cached: a task that asks for them is
never looked up.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.engine.history import HISTORY_FORMAT
from sim.replications import Replication, ReplicationTask
from sim.scenario import Scenario

__all__ = ["CACHE_FORMAT", "TaskCache", "code_fingerprint", "scenario_hash"]

CACHE_FORMAT = 1
"""Version of the entries' layout; a new layout misses every older entry."""

_PACKAGES = ("sim", "mock_systems")
_FIELDS = (
    "index",
    "study_seed",
    "seed",
    "pattern",
    "history_hash",
    "history_rows",
    "demand_hash",
    "timeline_hash",
    "metrics",
    "statistics",
    "wall_seconds",
)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON: every resolved field, keys sorted."""
    data = scenario.model_dump(mode="json")
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the Python source of ``sim`` and ``mock_systems``, as installed here."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """Turn numpy scalars into Python numbers, for the JSON writer."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"cannot store {type(value).__name__} in the task cache")


class TaskCache:
    """Finished replications in ``folder``, one JSON file per (scenario, seed, code)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.hits = 0
        self.stored = 0

    @staticmethod
    def cacheable(task: ReplicationTask) -> bool:
        """Whether the task's result fits an entry (no history, no invariant verdicts)."""
        return not (task.keep_history or task.check_invariants)

    def key(self, task: ReplicationTask) -> str:
        """The entry's name: what decides the task's result, hashed."""
        parts = {
            "format": CACHE_FORMAT,
            "history_format": HISTORY_FORMAT,
            "code": code_fingerprint(),
            "scenario": scenario_hash(task.scenario),
            "seed": task.seed,
            "against_fault_free": task.against_fault_free,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def path(self, task: ReplicationTask) -> Path:
        """The entry's file."""
        return self.folder / f"{self.key(task)}.json"

    def get(self, task: ReplicationTask) -> Replication | None:
        """The task's replication when an entry holds it, else None."""
        if not self.cacheable(task):
            return None
        try:
            data = json.loads(self.path(task).read_text(encoding="utf-8"))
            found = Replication(**{name: data[name] for name in _FIELDS})
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, half-written by another tool, or from an older layout
        found.index, found.study_seed = task.index, task.study_seed
        self.hits += 1
        return found

    def put(self, task: ReplicationTask, replication: Replication) -> None:
        """Store a finished replication (written whole, then renamed into place)."""
        if not self.cacheable(task):
            return
        data = {name: getattr(replication, name) for name in _FIELDS}
        data["scenario_sha256"] = scenario_hash(task.scenario)
        text = json.dumps(data, default=_plain, allow_nan=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=".entry-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(staging, self.path(task))
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise
        self.stored += 1
