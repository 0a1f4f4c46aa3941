"""What the ``o2csim`` commands share: the error exit, loading, output folders, options.

Bad input ends the command through :func:`fail`: one message on stderr, no traceback, exit
code :data:`EXIT_BAD_INPUT`.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from sim.scenario.ceiling import DEFAULT_MAX_MEMORY_GIB, MAX_MEMORY_ENV

if TYPE_CHECKING:
    from sim.scenario import Scenario, WorkEstimate

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INVARIANT_VIOLATION",
    "EXIT_OK",
    "EXIT_SLA_BREACH",
    "MaxMemoryOption",
    "ScenarioArg",
    "SetOption",
    "WorkersOption",
    "available_cpus",
    "ceiling",
    "check_out",
    "choose_workers",
    "err_console",
    "fail",
    "load",
    "out_console",
    "write_staged",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_SLA_BREACH = 3
EXIT_INVARIANT_VIOLATION = 4

err_console = Console(stderr=True)


def out_console() -> Console:
    """The console for results: tables stay readable in a file or CI log, not a terminal."""
    return Console(width=None if sys.stdout.isatty() else 120)


def fail(message: str) -> NoReturn:
    """Print one error block (no traceback) and exit with the bad-input code."""
    err_console.print(
        f"[red]error:[/red] {escape(message)}", markup=True, highlight=False, soft_wrap=True
    )
    raise typer.Exit(EXIT_BAD_INPUT)


def ceiling(option: float | None) -> float:
    """The memory ceiling in GiB: ``--max-memory-gib``, else the environment, else 8."""
    if option is not None:
        if not option > 0:  # also refuses NaN
            fail(f"--max-memory-gib {option:g}: expected a number of GiB > 0, e.g. 16")
        return option
    raw = os.environ.get(MAX_MEMORY_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MEMORY_GIB
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not value > 0:
        fail(f"{MAX_MEMORY_ENV}={raw!r}: expected a number of GiB > 0, e.g. 16")
    return value


def load(
    scenario: Path, overrides: list[str] | None, seed: int | None, max_memory_gib: float | None
) -> tuple[Scenario, WorkEstimate]:
    """Load and check everything a command needs before it starts.

    That includes the work estimate: a scenario estimated to need more memory than the
    ceiling is refused here, before any simulation time is spent.
    """
    if seed is not None and seed < 0:
        fail(f"--seed {seed}: expected a non-negative integer")
    limit = ceiling(max_memory_gib)
    from sim.scenario import ScenarioError, check_work, load_scenario

    try:
        loaded = load_scenario(scenario, overrides or [])
        estimate = check_work(loaded, limit, str(scenario), overrides)
    except ScenarioError as exc:
        fail(str(exc))
    return loaded, estimate


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def choose_workers(
    requested: int | None, tasks: int, estimate: WorkEstimate, max_memory_gib: float | None
) -> int:
    """Worker processes for ``tasks`` runs: ``--workers`` if it fits, else as many as fit.

    Each worker holds one run at a time, so ``workers`` runs must fit under the memory
    ceiling together; without ``--workers`` it is the CPUs, the tasks or what fits,
    whichever is fewest.
    """
    limit = ceiling(max_memory_gib)
    per_run = estimate.memory_gib
    fit = max(1, math.floor(limit / per_run)) if per_run > 0 else tasks
    if requested is None:
        return max(1, min(available_cpus(), tasks, fit))
    if requested < 1:
        fail(f"--workers {requested}: expected at least 1 worker process")
    if requested > 1 and requested * per_run > limit:
        fail(
            f"--workers {requested}: {requested} runs at once need about "
            f"{requested * per_run:.1f} GiB ({per_run:.2f} GiB each), above the ceiling of "
            f"{limit:g} GiB; use --workers {fit} or fewer, or raise --max-memory-gib"
        )
    return requested


def check_out(out: Path, names: Sequence[str]) -> None:
    """Refuse an output folder that cannot be written, before any simulation time is spent."""
    try:
        if out.exists() and not out.is_dir():
            fail(f"--out {out}: exists and is not a folder")
        existing = next(p for p in (out, *out.absolute().parents) if p.exists())
        if not existing.is_dir():
            fail(f"--out {out}: {existing} is a file, expected a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            fail(f"--out {out}: {existing} is not writable")
        clashes = [name for name in names if (out / name).is_dir()]
    except OSError as exc:
        fail(f"--out {out}: cannot use this folder ({exc.strerror or exc})")
    if clashes:
        fail(f"--out {out}: {', '.join(clashes)} is a folder, expected a file or nothing")


def write_staged(out: Path, writer: Callable[[Path], dict[str, Path]]) -> dict[str, Path]:
    """Have ``writer`` write into a staging folder first, then move its files into ``out``.

    A failure leaves ``out`` as it was: no partial output, no earlier file removed.
    """
    created = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".o2csim-", dir=out))
        try:
            staged = writer(staging)
            targets = {key: out / path.name for key, path in staged.items()}
            clashes = [str(t) for t in targets.values() if t.is_dir()]
            if clashes:
                raise IsADirectoryError(21, "is a folder", clashes[0])
            for key, path in staged.items():
                os.replace(path, targets[key])
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        for folder in created:  # innermost first; only folders this run made, if still empty
            try:
                folder.rmdir()
            except OSError:
                break
        fail(f"--out {out}: cannot write outputs ({exc.strerror or exc})")
    return targets


ScenarioArg = Annotated[Path, typer.Argument(help="scenario YAML file")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a scenario field: dotted.key=value (repeatable)"),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        help="worker processes (default: the CPUs, as many as fit the memory ceiling)",
        show_default=False,
    ),
]
MaxMemoryOption = Annotated[
    float | None,
    typer.Option(
        "--max-memory-gib",
        help=(
            "refuse a scenario whose estimated peak memory is above this many GiB "
            f"(default: ${MAX_MEMORY_ENV}, else {DEFAULT_MAX_MEMORY_GIB:g}, a third of the "
            "24 GiB development machine); with worker processes, all their runs together"
        ),
        show_default=False,
    ),
]
