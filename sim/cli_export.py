"""``o2csim export``: a finished run's history as an OCEL 2.0 object-centric event log.

``o2csim export RUN_DIR --format ocel2-json|ocel2-sqlite --out FILE`` reads ``run.json``
and ``history.parquet`` of a run folder (as ``o2csim run --out`` writes it) and writes the
log; :mod:`sim.export.ocel` documents which history rows become which events and objects.
Bad input (no run folder, an unknown format or history format, an output that cannot be
written) exits 2 with one message and no traceback. The file appears whole or not at all:
it is written next to its target first, then moved into place.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli_common import fail, out_console

if TYPE_CHECKING:
    from sim.export import OcelLog

__all__ = ["FORMATS", "export_command"]

FORMATS: dict[str, str] = {"ocel2-json": "ocel2.json", "ocel2-sqlite": "ocel2.sqlite"}
"""Export format -> the file name written into the run folder when --out is not given."""

_RUN_FILES = ("run.json", "history.parquet", "metrics.json")


def _check_target(out: Path, run_dir: Path) -> None:
    """Refuse an output file that cannot be written, before any work is done."""
    try:
        if out.is_dir():
            fail(f"--out {out}: is a folder, expected a file name")
        if any(out.resolve() == (run_dir / name).resolve() for name in _RUN_FILES):
            fail(f"--out {out}: is one of the run's own files; choose another file name")
        existing = next(p for p in out.absolute().parents if p.exists())
        if not existing.is_dir():
            fail(f"--out {out}: {existing} is a file, expected a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            fail(f"--out {out}: {existing} is not writable")
    except OSError as exc:
        fail(f"--out {out}: cannot use this file ({exc.strerror or exc})")


def _start(facts: dict[str, object], run_dir: Path) -> str:
    resolved = facts.get("resolved_scenario")
    start = resolved.get("start") if isinstance(resolved, dict) else None
    if not isinstance(start, str):
        fail(
            f"{run_dir / 'run.json'}: field resolved_scenario.start is missing, so event times "
            "cannot be given; run the scenario again with this version"
        )
    from sim.export.ocel import parse_start

    try:
        parse_start(start)
    except ValueError:
        fail(f"{run_dir / 'run.json'}: field resolved_scenario.start is {start!r}, not ISO 8601")
    return start


def _write(log: OcelLog, fmt: str, out: Path) -> None:
    """Write into a temporary file next to ``out``, then move it into place."""
    from sim.export import write_ocel_json, write_ocel_sqlite

    writer = write_ocel_json if fmt == "ocel2-json" else write_ocel_sqlite
    staged: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.parent / f".{out.name}.{os.getpid()}.partial"
        writer(log, staged)
        os.replace(staged, out)
        staged = None
    except OSError as exc:
        fail(f"--out {out}: cannot write the export ({exc.strerror or exc})")
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)


def _summary(log: OcelLog, fmt: str, out: Path, seconds: float) -> str:
    objects = ", ".join(f"{len(t.base)} {t.name}" for t in log.objects)
    lines = [
        f"{fmt}: {out}",
        f"  {log.event_count} events of {len(log.events)} types; {log.object_count} objects "
        f"({objects}); {len(log.e2o)} event-object and {len(log.o2o)} object-object "
        f"relations ({seconds:.1f} s)",
    ]
    if log.left_out:
        rows = sum(log.left_out.values())
        lines.append(
            f"  left out {rows} bookkeeping rows ({', '.join(log.left_out)}); "
            "--include-bookkeeping exports them"
        )
    if log.unmapped:
        names = ", ".join(f"{name} ({count})" for name, count in log.unmapped.items())
        lines.append(f"  not exported, no mapping for: {names}")
    return "\n".join(lines)


def export_command(
    run_dir: Annotated[
        Path, typer.Argument(help="run folder written by o2csim run --out (run.json, history)")
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="ocel2-json or ocel2-sqlite (OCEL 2.0)")
    ] = "ocel2-json",
    out: Annotated[
        Path | None,
        typer.Option(
            help="file to write (default: ocel2.json or ocel2.sqlite in the run folder)",
            show_default=False,
        ),
    ] = None,
    include_bookkeeping: Annotated[
        bool,
        typer.Option(
            "--include-bookkeeping",
            help="also export API calls, retries, throttle waits and stock counts",
        ),
    ] = False,
) -> None:
    """Write a run's history as an OCEL 2.0 object-centric event log (JSON or SQLite)."""
    if fmt not in FORMATS:
        fail(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    if not run_dir.exists():
        fail(f"{run_dir}: no such run folder")
    if not run_dir.is_dir():
        fail(f"{run_dir}: not a folder; expected a run folder written by o2csim run --out")
    target = out if out is not None else run_dir / FORMATS[fmt]
    _check_target(target, run_dir)
    began = time.perf_counter()
    from sim.run_dir import RunDirError, read_run

    try:
        facts, frame = read_run(run_dir)
    except RunDirError as error:
        fail(str(error))
    start = _start(facts, run_dir)
    from sim.export import ocel_log

    log = ocel_log(frame, start, bookkeeping=include_bookkeeping)
    del frame
    _write(log, fmt, target)
    out_console().print(
        _summary(log, fmt, target, time.perf_counter() - began),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
