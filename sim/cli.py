"""The ``o2csim`` command line: run, validate and schema.

Exit codes: 0 success; 2 bad input (scenario file, option or output folder, or a scenario
whose estimated memory is above the ``--max-memory-gib`` ceiling), with one clear message
and no traceback; 3 the run finished but an SLA target was missed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sim.scenario import (
    DEFAULT_MAX_MEMORY_GIB,
    MAX_MEMORY_ENV,
    Scenario,
    ScenarioError,
    WorkEstimate,
    check_work,
    load_scenario,
    scenario_schema,
)
from sim.scenario.budget import describe

if TYPE_CHECKING:
    from sim.run import RunResult

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_OK",
    "EXIT_SLA_BREACH",
    "app",
    "main",
    "run",
    "schema",
    "validate",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_SLA_BREACH = 3

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="o2csim: simulate order-to-cash integrations between CRM, ERP, WMS and carriers.",
)
_err = Console(stderr=True)


def _fail(message: str) -> NoReturn:
    """Print one error block (no traceback) and exit with the bad-input code."""
    _err.print(f"[red]error:[/red] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _ceiling(option: float | None) -> float:
    """The memory ceiling in GiB: ``--max-memory-gib``, else the environment, else 8."""
    if option is not None:
        if not option > 0:  # also refuses NaN
            _fail(f"--max-memory-gib {option:g}: expected a number of GiB > 0, e.g. 16")
        return option
    raw = os.environ.get(MAX_MEMORY_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MEMORY_GIB
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not value > 0:
        _fail(f"{MAX_MEMORY_ENV}={raw!r}: expected a number of GiB > 0, e.g. 16")
    return value


def _load(
    scenario: Path, overrides: list[str] | None, seed: int | None, max_memory_gib: float | None
) -> tuple[Scenario, WorkEstimate]:
    """Load and check everything ``run`` needs before it starts; ``validate`` shares it.

    That includes the work estimate: a scenario estimated to need more memory than the
    ceiling is refused here, before any simulation time is spent.
    """
    if seed is not None and seed < 0:
        _fail(f"--seed {seed}: expected a non-negative integer")
    ceiling = _ceiling(max_memory_gib)
    try:
        loaded = load_scenario(scenario, overrides or [])
        estimate = check_work(loaded, ceiling, str(scenario), overrides)
    except ScenarioError as exc:
        _fail(str(exc))
    return loaded, estimate


_OUTPUT_NAMES = ("history.parquet", "metrics.json", "run.json")


def _check_out(out: Path) -> None:
    """Refuse an output folder that cannot be written, before any simulation time is spent."""
    try:
        if out.exists() and not out.is_dir():
            _fail(f"--out {out}: exists and is not a folder")
        existing = next(p for p in (out, *out.absolute().parents) if p.exists())
        if not existing.is_dir():
            _fail(f"--out {out}: {existing} is a file, expected a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            _fail(f"--out {out}: {existing} is not writable")
        clashes = [name for name in _OUTPUT_NAMES if (out / name).is_dir()]
    except OSError as exc:
        _fail(f"--out {out}: cannot use this folder ({exc.strerror or exc})")
    if clashes:
        _fail(f"--out {out}: {', '.join(clashes)} is a folder, expected a file or nothing")


def _write(result: RunResult, out: Path) -> dict[str, Path]:
    """Write the outputs into a staging folder first, then move them into ``out``.

    A failure leaves ``out`` as it was: no partial output, no earlier file removed.
    """
    from sim.report import write_outputs

    created = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".o2csim-", dir=out))
        try:
            staged = write_outputs(result, staging)
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
        _fail(f"--out {out}: cannot write outputs ({exc.strerror or exc})")
    return targets


def _replays_override(specs: list[str]) -> str:
    """``--replay`` options as one ``--set integration.replays=[...]`` override.

    ``30`` replays every dead letter at hour 30; ``30:poison,unknown_schema`` only those
    reasons; ``30:poison:resend`` has the producer re-send each message.
    """
    replays = []
    for spec in specs:
        hour, _, rest = spec.partition(":")
        reasons, _, mode = rest.partition(":")
        try:
            at_h = float(hour)
        except ValueError:
            _fail(f"--replay {spec}: expected H[:REASON,...[:resend]] with H a number of hours")
        if mode not in ("", "resend"):
            _fail(f"--replay {spec}: the third part can only be 'resend'")
        policy = {
            "reasons": [r for r in reasons.split(",") if r],
            "from_source": mode == "resend",
        }
        replays.append({"at_h": at_h, "policy": policy})
    return "integration.replays=" + json.dumps(replays)


ScenarioArg = Annotated[Path, typer.Argument(help="scenario YAML file")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a scenario field: dotted.key=value (repeatable)"),
]
MaxMemoryOption = Annotated[
    float | None,
    typer.Option(
        "--max-memory-gib",
        help=(
            "refuse a scenario whose estimated peak memory is above this many GiB "
            f"(default: ${MAX_MEMORY_ENV}, else {DEFAULT_MAX_MEMORY_GIB:g}, a third of the "
            "24 GiB development machine)"
        ),
        show_default=False,
    ),
]


@app.command()
def run(
    scenario: ScenarioArg,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")] = None,
    overrides: SetOption = None,
    out: Annotated[Path, typer.Option(help="folder for history.parquet and metrics.json")] = Path(
        "runs/latest"
    ),
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    max_memory_gib: MaxMemoryOption = None,
    amplification: Annotated[
        bool,
        typer.Option(
            "--amplification",
            help="also run without the faults and report calls per order against that run",
        ),
    ] = False,
    replay: Annotated[
        list[str] | None,
        typer.Option(
            "--replay",
            help="replay dead letters at hour H: H[:REASON,...[:resend]] (repeatable)",
        ),
    ] = None,
) -> None:
    """Run a scenario, print the KPI summary and write history and metrics to --out."""
    if replay:
        overrides = [*(overrides or []), _replays_override(replay)]
    loaded, estimate = _load(scenario, overrides, seed, max_memory_gib)
    _check_out(out)
    # imported only now, so that validate, schema and bad input answer quickly
    from sim.report import print_summary
    from sim.run import execute

    # tables stay readable when the output is a file or a CI log, not a terminal
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        if quiet:
            result = execute(loaded, seed, against_fault_free=amplification)
        else:
            with Progress(
                TextColumn("simulating {task.description}"),
                BarColumn(),
                TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
                TimeElapsedColumn(),
                console=_err,
                transient=True,
            ) as bar:
                task = bar.add_task(loaded.name, total=loaded.demand_days + loaded.drain_days)
                result = execute(
                    loaded,
                    seed,
                    lambda now, _h: bar.update(task, completed=now / 86400),
                    against_fault_free=amplification,
                )
    except MemoryError:
        # the estimate is an estimate: a machine with less free memory still gets a message
        _fail(
            f"{scenario}: ran out of memory while simulating ({describe(estimate)}); "
            "lower demand_days or demand.orders_per_business_day, or free memory"
        )
    paths = _write(result, out)
    print_summary(result, console)
    console.print(
        f"history: {paths['history']}  metrics: {paths['metrics']}", highlight=False, markup=False
    )
    if not result.sla_passed:
        raise typer.Exit(EXIT_SLA_BREACH)


@app.command()
def validate(
    scenario: ScenarioArg, overrides: SetOption = None, max_memory_gib: MaxMemoryOption = None
) -> None:
    """Check a scenario file without running it, including its estimated work."""
    loaded, estimate = _load(scenario, overrides, None, max_memory_gib)
    days = loaded.demand_days + loaded.drain_days
    Console().print(
        f"{scenario}: valid scenario {loaded.name!r} "
        f"({loaded.demand.orders_per_business_day:g} orders per business day, "
        f"{days:g} simulated days, pattern {loaded.integration.pattern}); "
        f"{describe(estimate)}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    typer.echo(json.dumps(scenario_schema(), indent=2))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
