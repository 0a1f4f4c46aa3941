"""A finished run or comparison read back from its output folder, without running anything.

A run folder (``o2csim run --out``) holds ``run.json``, ``metrics.json`` and
``history.parquet``; :func:`load_run` turns it into a :class:`LoadedRun`, which has what
the plots read of a :class:`~sim.run.RunResult` (:class:`sim.report.plots.RunLike`): the
resolved scenario, the history (as the Parquet file's frame), the horizon, the metrics and
the fault timeline. A comparison folder (``o2csim compare --out``, or ``o2csim run
--replications N --out``) holds ``summary.json`` and ``replications.parquet``;
:func:`load_comparison` reads them. :func:`folder_kind` tells the two apart by their files.

Anything that cannot be read raises :class:`FolderError` with a message naming the file
and what was expected. Nothing here imports the simulation or matplotlib.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError

from sim.faults import FaultTimeline
from sim.run_dir import RunDirError, read_history, read_json
from sim.scenario import Scenario

__all__ = [
    "COMPARE_FILES",
    "RUN_FILES",
    "FolderError",
    "FolderKind",
    "LoadedComparison",
    "LoadedRun",
    "folder_kind",
    "load_comparison",
    "load_run",
]

FolderKind = Literal["run", "compare"]

RUN_FILES = ("run.json", "metrics.json", "history.parquet")
"""What ``o2csim run --out`` writes."""

COMPARE_FILES = ("summary.json", "replications.parquet")
"""What ``o2csim compare --out`` (and ``o2csim run --replications N --out``) writes."""

_SUMMARY_FIELDS = ("scenario", "replications", "patterns", "reference", "kpis", "differences")
_TIDY_COLUMNS = ("pattern", "replication", "seed", "kpi", "value")


class FolderError(ValueError):
    """An output folder that cannot be read: its kind, a missing file or field, a format."""


@dataclass(frozen=True)
class LoadedRun:
    """A run read back from its folder; the plots take it where they take a ``RunResult``.

    ``facts`` is ``run.json`` as written (seed, provenance, invariant verdicts, timings);
    ``notes`` are caveats of the reading, e.g. a user's pattern this machine cannot import.
    """

    folder: Path
    scenario: Scenario
    seed: int
    history: pd.DataFrame
    horizon_s: float
    metrics: dict[str, Any]
    timeline: FaultTimeline
    facts: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    @property
    def invariants(self) -> dict[str, dict[str, Any]]:
        """Each invariant checker's verdict as ``run.json`` recorded it."""
        found: dict[str, dict[str, Any]] = self.facts.get("invariants") or {}
        return found


@dataclass(frozen=True)
class LoadedComparison:
    """A comparison read back from its folder: the summary and the tidy replications table."""

    folder: Path
    summary: dict[str, Any]
    tidy: pd.DataFrame


def _expected() -> str:
    return (
        f"a run folder holds {', '.join(RUN_FILES)} (o2csim run --out); a comparison folder "
        f"holds {', '.join(COMPARE_FILES)} (o2csim compare --out)"
    )


def folder_kind(folder: Path, kind: FolderKind | None = None) -> FolderKind:
    """Whether ``folder`` holds a run or a comparison, told by its files.

    ``kind`` insists on one (for a folder that holds both). Raises :class:`FolderError` for
    a folder that holds neither, or both when ``kind`` is not given.
    """
    if not folder.exists():
        raise FolderError(f"{folder}: no such folder ({_expected()})")
    if not folder.is_dir():
        raise FolderError(f"{folder}: not a folder ({_expected()})")
    is_run = (folder / "run.json").is_file()
    is_compare = all((folder / name).is_file() for name in COMPARE_FILES)
    if kind == "run" and not is_run:
        raise FolderError(f"{folder}: --kind run, but there is no run.json ({_expected()})")
    if kind == "compare" and not is_compare:
        missing = [name for name in COMPARE_FILES if not (folder / name).is_file()]
        raise FolderError(
            f"{folder}: --kind compare, but {' and '.join(missing)} missing ({_expected()})"
        )
    if kind is not None:
        return kind
    if is_run and is_compare:
        raise FolderError(
            f"{folder}: holds both a run (run.json) and a comparison (summary.json, "
            "replications.parquet); say which with --kind run or --kind compare"
        )
    if is_run:
        return "run"
    if is_compare:
        return "compare"
    if (folder / "junit.xml").is_file():
        raise FolderError(
            f"{folder}: an o2csim check folder (summary.json, junit.xml), not a run or a "
            f"comparison; report the run folder it checked instead ({_expected()})"
        )
    raise FolderError(f"{folder}: neither a run nor a comparison folder ({_expected()})")


def _timeline(run_json: Path, windows: object) -> FaultTimeline:
    if windows is None:
        return FaultTimeline()
    if not isinstance(windows, list):
        raise FolderError(f"{run_json}: field fault_timeline is not a list of fault windows")
    restored = [
        {**w, "end_s": math.inf if w.get("end_s") is None else w["end_s"]}
        if isinstance(w, dict)
        else w
        for w in windows
    ]
    try:
        return FaultTimeline.model_validate({"windows": restored})
    except ValidationError as error:
        raise FolderError(f"{run_json}: field fault_timeline: {_first(error)}") from error


def _first(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _scenario(run_json: Path, resolved: object) -> tuple[Scenario, tuple[str, ...]]:
    """The resolved scenario; a user's pattern not importable here is kept by name only."""
    if not isinstance(resolved, dict):
        raise FolderError(f"{run_json}: field resolved_scenario is missing or not an object")
    try:
        return Scenario.model_validate(resolved), ()
    except ValidationError as error:
        problem = FolderError(
            f"{run_json}: field resolved_scenario is not a scenario this o2csim reads "
            f"({_first(error)})"
        )
        problem.__cause__ = error
    integration = resolved.get("integration")
    pattern = integration.get("pattern") if isinstance(integration, dict) else None
    if not isinstance(integration, dict) or not isinstance(pattern, str) or pattern == "hybrid":
        raise problem
    try:  # the run's pattern may be a user's module this machine cannot import
        stand_in = Scenario.model_validate(
            {**resolved, "integration": {**integration, "pattern": "hybrid"}}
        )
    except ValidationError:
        raise problem from None
    scenario = stand_in.model_copy(
        update={"integration": stand_in.integration.model_copy(update={"pattern": pattern})}
    )
    return scenario, (f"pattern {pattern} cannot be imported here; it is shown by name only",)


def load_run(folder: Path) -> LoadedRun:
    """Read a run folder: ``run.json``, ``metrics.json`` and ``history.parquet``."""
    run_json = folder / "run.json"
    try:
        facts = read_json(run_json)
        metrics = read_json(folder / "metrics.json")
        history = read_history(folder / "history.parquet", facts.get("history_format"))
    except RunDirError as error:
        raise FolderError(str(error)) from error
    for name in ("scenario", "seed", "horizon_s"):
        if name not in facts:
            raise FolderError(f"{run_json}: field {name} is missing")
    try:
        seed, horizon_s = int(facts["seed"]), float(facts["horizon_s"])
    except (TypeError, ValueError) as error:
        raise FolderError(f"{run_json}: fields seed and horizon_s must be numbers") from error
    scenario, notes = _scenario(run_json, facts.get("resolved_scenario"))
    return LoadedRun(
        folder=folder,
        scenario=scenario,
        seed=seed,
        history=history,
        horizon_s=horizon_s,
        metrics=metrics,
        timeline=_timeline(run_json, facts.get("fault_timeline")),
        facts=facts,
        notes=notes,
    )


def load_comparison(folder: Path) -> LoadedComparison:
    """Read a comparison folder: ``summary.json`` and ``replications.parquet``."""
    summary_json = folder / "summary.json"
    try:
        summary = read_json(summary_json)
    except RunDirError as error:
        raise FolderError(str(error)) from error
    missing = [name for name in _SUMMARY_FIELDS if name not in summary]
    if missing:
        raise FolderError(
            f"{summary_json}: field {missing[0]} is missing; not a comparison summary "
            "(o2csim compare --out writes one)"
        )
    tidy_path = folder / "replications.parquet"
    try:
        tidy = pd.read_parquet(tidy_path)
    except Exception as error:  # pyarrow raises several kinds for a damaged file
        raise FolderError(f"{tidy_path}: not a readable Parquet table ({error})") from error
    absent = [c for c in _TIDY_COLUMNS if c not in tidy.columns]
    if absent:
        raise FolderError(f"{tidy_path}: column {absent[0]} is missing")
    return LoadedComparison(folder=folder, summary=summary, tidy=tidy)
