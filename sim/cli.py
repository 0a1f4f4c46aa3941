"""The ``o2csim`` command line: run, validate and schema.

Exit codes: 0 success; 2 bad input (scenario file, option or output folder), with one
clear message and no traceback; 3 the run finished but an SLA target was missed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sim.report import print_summary, write_outputs
from sim.run import execute
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_schema

__all__ = ["app", "main", "EXIT_OK", "EXIT_BAD_INPUT", "EXIT_SLA_BREACH"]

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


def _load(scenario: Path, overrides: list[str] | None, seed: int | None) -> Scenario:
    try:
        loaded = load_scenario(scenario, overrides or [])
    except ScenarioError as exc:
        _err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if seed is not None and seed < 0:
        _err.print(f"error: --seed {seed}: expected a non-negative integer", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    return loaded


ScenarioArg = Annotated[Path, typer.Argument(help="scenario YAML file")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a scenario field: dotted.key=value (repeatable)"),
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
) -> None:
    """Run a scenario, print the KPI summary and write history and metrics to --out."""
    loaded = _load(scenario, overrides, seed)
    if out.exists() and not out.is_dir():
        _err.print(f"error: --out {out}: exists and is not a folder", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    console = Console()
    if quiet:
        result = execute(loaded, seed)
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
            result = execute(loaded, seed, lambda now, _h: bar.update(task, completed=now / 86400))
    try:
        paths = write_outputs(result, out)
    except OSError as exc:
        _err.print(f"error: --out {out}: cannot write outputs ({exc.strerror})", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    print_summary(result, console)
    console.print(f"history: {paths['history']}  metrics: {paths['metrics']}", highlight=False)
    if not result.sla_passed:
        raise typer.Exit(EXIT_SLA_BREACH)


@app.command()
def validate(scenario: ScenarioArg, overrides: SetOption = None) -> None:
    """Check a scenario file without running it."""
    loaded = _load(scenario, overrides, None)
    days = loaded.demand_days + loaded.drain_days
    Console().print(
        f"{scenario}: valid scenario {loaded.name!r} "
        f"({loaded.demand.orders_per_business_day:g} orders per business day, "
        f"{days:g} simulated days, pattern {loaded.integration.pattern})",
        highlight=False,
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    typer.echo(json.dumps(scenario_schema(), indent=2))


def main() -> None:
    """Console-script entry point."""
    app()
