"""``o2csim sweep``: a grid of settings (or every assumption in turn) over replications.

``o2csim sweep SCENARIO --grid dotted.key=v1,v2 [--grid ...] --out DIR`` runs the cartesian
product of the grid's values, replications ``0 .. N-1`` at each point on the seeds
``replication_seed(S, i)`` (common random numbers), and writes ``sweep.parquet``,
``verdicts.parquet``, ``failures.json`` and ``sweep.json`` (:mod:`sim.compare.sweep_files`).
``--sensitivity`` varies each numeric assumption by ``--factors`` instead
(:mod:`sim.compare.sensitivity_run`) and also writes ``sensitivity.parquet``.

Tasks run on ``--workers N`` local processes (default), a Dask ``LocalCluster`` of N
processes (``--dask [N]``) or a running Dask cluster (``--scheduler tcp://HOST:PORT``).
Finished tasks are cached in ``DIR/cache`` (or ``--cache``): the same command run again
runs only what is missing.

Exit codes: 0 every task finished; 2 bad input (a grid key or value, an option), before
anything runs; 5 some tasks failed (listed in ``failures.json`` with their seeds; every
other file is written); 6 Dask was asked for but is not installed or not reachable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from sim.cli_common import (
    MaxMemoryOption,
    ScenarioArg,
    SetOption,
    check_out,
    choose_workers,
    err_console,
    fail,
    load,
    out_console,
    write_staged,
)

if TYPE_CHECKING:
    from sim.compare.points import Point
    from sim.executors import Executor
    from sim.scenario import Scenario

__all__ = [
    "DEFAULT_SWEEP_REPLICATIONS",
    "EXIT_NO_DASK",
    "EXIT_TASKS_FAILED",
    "bare_dask",
    "sweep_command",
]

DEFAULT_SWEEP_REPLICATIONS = 5
EXIT_TASKS_FAILED = 5
EXIT_NO_DASK = 6


def bare_dask(argv: list[str]) -> list[str]:
    """``argv`` with ``0`` (the CPUs) after a ``--dask`` that has no number of its own.

    The command line reads ``--dask [N]``; the option parser wants a value, so a bare
    ``--dask`` (last, or followed by another option) is given ``0`` here.
    """
    fixed: list[str] = []
    for position, arg in enumerate(argv):
        fixed.append(arg)
        following = argv[position + 1] if position + 1 < len(argv) else None
        if arg == "--dask" and (following is None or following.startswith("-")):
            fixed.append("0")
    return fixed


def _factors(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        fail(f"--factors {text}: expected comma-separated numbers, e.g. 0.5,2")
    if not values or any(not (v > 0) or v == 1 or v == float("inf") for v in values):
        fail(f"--factors {text}: expected positive factors other than 1, e.g. 0.5,2")
    return values


def _points(
    loaded: Scenario,
    grid: list[str] | None,
    sensitivity: bool,
    factors: str,
    only: list[str] | None,
) -> tuple[list[Point], dict[str, Any], dict[str, str]]:
    """The sweep's points, what to record of them, and the settings skipped."""
    from sim.compare.grid import GridError, grid_points, parse_grid
    from sim.compare.sensitivity_run import sensitivity_points

    try:
        if sensitivity:
            if grid:
                fail("--grid and --sensitivity: give one or the other")
            chosen = _factors(factors)
            points, skipped = sensitivity_points(loaded, chosen, only or ())
            if len(points) == 1:
                fail(f"--only {' '.join(only or [])}: no assumption there can be scaled")
            return points, {"mode": "sensitivity", "factors": chosen, "only": only or []}, skipped
        if only:
            fail("--only: applies to --sensitivity")
        parsed = parse_grid(grid or [])
        points = grid_points(loaded, parsed)
    except GridError as exc:
        fail(str(exc))
    return (
        points,
        {"mode": "grid", "grid": {k: [str(v) for v in vs] for k, vs in parsed.items()}},
        {},
    )


def _executor(workers: int | None, dask: int | None, scheduler: str | None, count: int) -> Executor:
    from sim.executors import DaskUnavailableError, make_executor

    try:
        if scheduler is not None:
            return make_executor(scheduler=scheduler)
        if dask is not None:
            return make_executor(dask_workers=dask or count)
    except DaskUnavailableError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_NO_DASK) from None
    return make_executor(workers=count)


def sweep_command(
    scenario: ScenarioArg,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            help="a setting and its values: dotted.key=v1,v2,... (repeatable; the product runs)",
        ),
    ] = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="vary each numeric assumption of docs/defaults.md by --factors, one at a time",
        ),
    ] = False,
    factors: Annotated[
        str, typer.Option(help="with --sensitivity: comma-separated factors")
    ] = "0.5,2",
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="with --sensitivity: only assumptions under this dotted prefix"
        ),
    ] = None,
    replications: Annotated[
        int, typer.Option(help="replications per point (at least 2)")
    ] = DEFAULT_SWEEP_REPLICATIONS,
    seed: Annotated[
        int | None,
        typer.Option(help="study seed; replication i runs with a seed derived from it"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="local worker processes (default: the CPUs that fit)", show_default=False
        ),
    ] = None,
    dask: Annotated[
        int | None,
        typer.Option(
            "--dask",
            help="run on a Dask LocalCluster of N worker processes (--dask alone: the CPUs)",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="join a running Dask cluster: tcp://HOST:PORT", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option(help="folder for the sweep's files")] = Path("runs/sweep"),
    cache: Annotated[
        Path | None,
        typer.Option(help="folder of finished tasks (default: OUT/cache)", show_default=False),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="run every task, read and keep no cache")
    ] = False,
    top: Annotated[int, typer.Option(help="with --sensitivity: assumptions shown per SLA")] = 10,
    overrides: SetOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    max_memory_gib: MaxMemoryOption = None,
) -> None:
    """Sweep a grid of settings (or each assumption) over replications on common seeds."""
    from sim.scenario import ScenarioError, check_work

    if replications < 2:
        fail(f"--replications {replications}: expected at least 2, for verdicts across them")
    given = [
        name
        for name, v in (("--workers", workers), ("--dask", dask), ("--scheduler", scheduler))
        if v is not None
    ]
    if len(given) > 1:
        fail(f"{' and '.join(given)}: give one way to run the tasks")
    if dask is not None and dask < 0:
        fail(f"--dask {dask}: expected a number of worker processes")
    loaded, estimate = load(scenario, overrides, seed, max_memory_gib)
    points, facts, skipped = _points(loaded, grid, sensitivity, factors, only)
    estimates = []
    try:
        from sim.cli_common import ceiling

        limit = ceiling(max_memory_gib)
        for _, point in points:
            estimates.append(check_work(point, limit, str(scenario), overrides))
    except ScenarioError as exc:
        fail(str(exc))
    largest = max(estimates, key=lambda e: e.memory_gib, default=estimate)
    tasks = len(points) * replications
    count = choose_workers(workers, tasks, largest, max_memory_gib)
    from sim.compare.sweep_files import SWEEP_OUTPUT_NAMES

    check_out(out, SWEEP_OUTPUT_NAMES)
    _run(
        loaded,
        points,
        facts,
        skipped,
        replications,
        seed,
        workers,
        dask,
        scheduler,
        count,
        out,
        None if no_cache else (cache or out / "cache"),
        quiet,
        top,
    )


def _run(
    loaded: Scenario,
    points: list[Point],
    facts: dict[str, Any],
    skipped: dict[str, str],
    replications: int,
    seed: int | None,
    workers: int | None,
    dask: int | None,
    scheduler: str | None,
    count: int,
    out: Path,
    cache_dir: Path | None,
    quiet: bool,
    top: int,
) -> None:
    from sim.compare.cache import TaskCache
    from sim.compare.points import run_points
    from sim.compare.sensitivity_run import rank_assumptions
    from sim.compare.sweep_files import write_sweep_outputs
    from sim.progress import progress_bar
    from sim.report.sweep import print_sensitivity, print_sweep

    study_seed = loaded.seed if seed is None else seed
    console = out_console()
    store = TaskCache(cache_dir) if cache_dir is not None else None
    executor = _executor(workers, dask, scheduler, count)
    tasks = len(points) * replications
    described = executor.describe()
    try:
        with (
            executor,
            progress_bar(f"{loaded.name} sweep", tasks, "run", False if quiet else None) as update,
        ):
            result = run_points(
                points,
                replications,
                study_seed,
                executor,
                store,
                lambda done, _total: update(done),
            )
    except MemoryError:
        fail(f"{loaded.name}: ran out of memory while simulating; lower --workers or the demand")
    ranking = rank_assumptions(result, loaded) if facts["mode"] == "sensitivity" else None
    summary = {
        "scenario": loaded.name,
        **facts,
        "executor": described,
        "cache": None if cache_dir is None else str(cache_dir),
        "skipped": skipped,
    }
    labels = list(result.labels[0])
    paths = write_staged(out, lambda folder: write_sweep_outputs(result, folder, summary, ranking))
    if ranking is not None:
        print_sensitivity(ranking, console, top)
        if skipped:
            console.print(
                f"not scaled ({len(skipped)}): "
                + "; ".join(f"{path}: {why}" for path, why in skipped.items()),
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
    else:
        print_sweep(
            result.verdicts,
            labels,
            console,
            f"{loaded.name}: SLA verdicts per point "
            f"({replications} replications, study seed {study_seed})",
        )
    console.print(
        f"{tasks} tasks on {described}: {result.ran} ran, "
        f"{result.cached} from the cache, "
        f"{len(result.failures)} failed.  table: {paths['tidy']}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if result.failures:
        for failure in result.failures[:10]:
            err_console.print(
                f"[red]task failed:[/red] point {failure.index // replications}, replication "
                f"{failure.index % replications}, seed {failure.seed}: "
                f"{escape(failure.error_type)}: {escape(failure.message)}",
                highlight=False,
                soft_wrap=True,
            )
        err_console.print(
            f"every failure with its traceback: {paths['failures']}", highlight=False, markup=False
        )
        raise typer.Exit(EXIT_TASKS_FAILED)
