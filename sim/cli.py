"""The ``o2csim`` command line: run, compare, check, report, export, validate and schema.

Exit codes: 0 success; 2 bad input (scenario file, option or output folder, a scenario
whose estimated memory is above the ``--max-memory-gib`` ceiling, or a threshold whose
figure the run's metrics do not have), with one clear message and no traceback; 3 the run
finished but an SLA target or threshold was missed (for ``run --replications N``, under the
rule across replications of :mod:`sim.verdicts`); 4 an invariant checker found a violation
in the run's history (wins over 2 and 3). ``o2csim check`` uses the same codes
(:mod:`sim.cli_check`).

Adding a command: write it in a module of its own (``sim/cli_NAME.py``, a function
``NAME_command`` whose typer options are plain types: ``Path``, ``str``, numbers, lists),
import it below and register it with one line, ``app.command(name="NAME")(NAME_command)``.

``o2csim --help`` imports this module and every command module, so they must stay cheap to
import: at module level, only the standard library, ``typer``, ``rich`` and
:mod:`sim.cli_common` (itself light). Everything else (the scenario model, the simulation,
pandas, numpy, pyarrow, scipy, matplotlib, pydantic) is imported inside the command
function, after the options are checked, so that ``--help`` and bad input answer at once;
annotations that name such types go under ``if TYPE_CHECKING:``.
``tests/cli/test_cold_start.py`` checks it: it lists the modules ``--help`` may not load.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sim.cli_capacity import capacity_command
from sim.cli_check import check_command
from sim.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_INVARIANT_VIOLATION,
    EXIT_OK,
    EXIT_SLA_BREACH,
    MaxMemoryOption,
    ScenarioArg,
    SetOption,
    check_out,
    err_console,
    fail,
    load,
    out_console,
    write_staged,
)
from sim.cli_export import export_command
from sim.cli_report import report_command
from sim.cli_study import compare_command, run_replicated
from sim.cli_sweep import bare_dask, sweep_command

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INVARIANT_VIOLATION",
    "EXIT_OK",
    "EXIT_SLA_BREACH",
    "app",
    "main",
    "run",
    "schema",
    "validate",
]

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="o2csim: simulate order-to-cash integrations between CRM, ERP, WMS and carriers.",
)

_OUTPUT_NAMES = ("history.parquet", "metrics.json", "run.json")


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
            fail(f"--replay {spec}: expected H[:REASON,...[:resend]] with H a number of hours")
        if mode not in ("", "resend"):
            fail(f"--replay {spec}: the third part can only be 'resend'")
        policy = {
            "reasons": [r for r in reasons.split(",") if r],
            "from_source": mode == "resend",
        }
        replays.append({"at_h": at_h, "policy": policy})
    return "integration.replays=" + json.dumps(replays)


@app.command()
def run(
    scenario: ScenarioArg,
    seed: Annotated[
        int | None,
        typer.Option(
            help=(
                "random seed (default: the scenario's); with --replications or "
                "--replication, the study seed replication seeds derive from"
            )
        ),
    ] = None,
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
    replications: Annotated[
        int | None,
        typer.Option(
            help=(
                "run N replications (N >= 2) and report KPIs with 95% intervals and SLA "
                "verdicts across them; writes replications.parquet and summary.json"
            ),
            show_default=False,
        ),
    ] = None,
    replication: Annotated[
        int | None,
        typer.Option(
            help="run replication I of the study with --seed on its own (same history)",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="worker processes for --replications (default: the CPUs that fit)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a scenario, print the KPI summary and write history and metrics to --out."""
    if replications is not None and replication is not None:
        fail("--replications and --replication: give one or the other, not both")
    if replication is not None and replication < 0:
        fail(f"--replication {replication}: expected a non-negative replication index")
    if workers is not None and replications is None:
        fail("--workers: applies to --replications only; a single run uses one process")
    if replay:
        overrides = [*(overrides or []), _replays_override(replay)]
    loaded, estimate = load(scenario, overrides, seed, max_memory_gib)
    if replications is not None:
        run_replicated(
            loaded, estimate, replications, seed, workers, out, quiet, max_memory_gib, amplification
        )
        return
    check_out(out, _OUTPUT_NAMES)
    # imported only now, so that validate, schema and bad input answer quickly
    from sim.progress import run_with_progress
    from sim.replications import replication_seed
    from sim.report import print_summary, write_outputs
    from sim.scenario.budget import describe

    study: tuple[int, int] | None = None
    if replication is not None:
        study = (loaded.seed if seed is None else seed, replication)
        seed = replication_seed(*study)
    console = out_console()
    try:
        result = run_with_progress(
            loaded, seed, enabled=False if quiet else None, against_fault_free=amplification
        )
    except MemoryError:
        # the estimate is an estimate: a machine with less free memory still gets a message
        fail(
            f"{scenario}: ran out of memory while simulating ({describe(estimate)}); "
            "lower demand_days or demand.orders_per_business_day, or free memory"
        )
    facts = {} if study is None else {"study_seed": study[0], "replication": study[1]}
    paths = write_staged(out, lambda folder: write_outputs(result, folder, facts))
    print_summary(result, console, study)
    console.print(
        f"history: {paths['history']}  metrics: {paths['metrics']}", highlight=False, markup=False
    )
    if not result.invariants_hold:
        broken = [name for name, v in result.invariants.items() if not v.valid]
        err_console.print(
            f"[red]invariant violated:[/red] {', '.join(broken)} (witness rows in "
            f"{paths['run']}; o2csim check {out} prints them)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_INVARIANT_VIOLATION)
    if result.threshold_errors:
        fail(
            "; ".join(
                f"{scenario}: thresholds: {line}: {error}"
                for line, error in result.threshold_errors.items()
            )
            + f" (the run's outputs are in {out})"
        )
    if not result.sla_passed:
        raise typer.Exit(EXIT_SLA_BREACH)


@app.command()
def validate(
    scenario: ScenarioArg, overrides: SetOption = None, max_memory_gib: MaxMemoryOption = None
) -> None:
    """Check a scenario file without running it, including its estimated work."""
    from sim.scenario.budget import describe

    loaded, estimate = load(scenario, overrides, None, max_memory_gib)
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


app.command(name="compare")(compare_command)
app.command(name="check")(check_command)
app.command(name="export")(export_command)
app.command(name="report")(report_command)
app.command(name="sweep")(sweep_command)
app.command(name="capacity")(capacity_command)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from sim.scenario import scenario_schema

    typer.echo(json.dumps(scenario_schema(), indent=2))


def main() -> None:
    """Console-script entry point.

    The current folder is put on the import path (as ``python -m`` does), so that a user's
    pattern module next to the scenario can be named as ``module:Class``.
    """
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    sys.argv[1:] = bare_dask(sys.argv[1:])
    app()


if __name__ == "__main__":
    main()
