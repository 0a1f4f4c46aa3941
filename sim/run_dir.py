"""Reading a run folder written by ``o2csim run --out``: ``run.json`` and the history.

Shared by the readers of finished runs (``o2csim check RUN_DIR``, ``o2csim export``). It
imports no part of the simulation, so a reader that only needs the history does not load
the world. A history whose format this version does not know is refused, never misread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sim.engine.history import HISTORY_FORMAT, HISTORY_FORMAT_KEY
from sim.engine.history_stored import StoredHistory

__all__ = ["RunDirError", "open_history", "read_history", "read_json", "read_run"]


class RunDirError(ValueError):
    """A run folder that cannot be read: a missing file, a field, an unknown format."""


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object file of a run folder (``run.json``, ``metrics.json``)."""
    if not path.is_file():
        raise RunDirError(
            f"{path}: missing (a run folder holds run.json, metrics.json and "
            "history.parquet, as o2csim run --out writes them)"
        )
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunDirError(f"{path}: not readable JSON ({error})") from error
    if not isinstance(document, dict):
        raise RunDirError(f"{path}: expected a JSON object")
    return document


def read_history(path: Path, declared: object) -> pd.DataFrame:
    """The history frame, after checking both the declared and the stored format."""
    _check_format(path, declared)
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several kinds for a damaged file
        raise RunDirError(f"{path}: not a readable Parquet history ({error})") from error


def open_history(path: Path, declared: object) -> StoredHistory:
    """The history on disk, read a row group at a time, after the same format checks.

    For checkers on a long run: :class:`~sim.history_table.HistoryTable` regroups it by
    event and never holds every row (:func:`read_history` reads it whole).
    """
    _check_format(path, declared)
    try:
        return StoredHistory(path)
    except Exception as error:  # pyarrow raises several kinds for a damaged file
        raise RunDirError(f"{path}: not a readable Parquet history ({error})") from error


def _check_format(path: Path, declared: object) -> None:
    """Refuse a history whose declared or stored format this version does not read."""
    if declared != HISTORY_FORMAT:
        known = f"this o2csim reads history format {HISTORY_FORMAT}"
        if declared is None:
            raise RunDirError(
                f"{path.parent / 'run.json'}: field history_format is missing, so the history's "
                f"layout is unknown ({known}); run the scenario again with this version"
            )
        raise RunDirError(
            f"{path.parent / 'run.json'}: field history_format is {declared!r}; {known}"
        )
    if not path.is_file():
        raise RunDirError(f"{path}: missing")
    try:
        stored = (pq.read_schema(path).metadata or {}).get(HISTORY_FORMAT_KEY)
        if stored is not None and stored != str(HISTORY_FORMAT).encode():
            raise RunDirError(
                f"{path}: schema metadata {HISTORY_FORMAT_KEY.decode()} is {stored.decode()!r}; "
                f"this o2csim reads history format {HISTORY_FORMAT}"
            )
    except RunDirError:
        raise
    except Exception as error:  # pyarrow raises several kinds for a damaged file
        raise RunDirError(f"{path}: not a readable Parquet history ({error})") from error


def read_run(run_dir: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """``run.json`` and the history frame of a run folder (``metrics.json`` is not needed)."""
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: not a folder")
    facts = read_json(run_dir / "run.json")
    return facts, read_history(run_dir / "history.parquet", facts.get("history_format"))
