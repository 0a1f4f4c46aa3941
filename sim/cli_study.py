"""The commands that run many replications: ``o2csim compare`` and ``run --replications``.

Both run through :func:`sim.compare.compare`, print the same tables
(:func:`sim.report.compare.print_comparison`) and write ``replications.parquet`` and
``summary.json``; SLA verdicts follow the one rule of :mod:`sim.verdicts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli_common import (
    EXIT_SLA_BREACH,
    MaxMemoryOption,
    ScenarioArg,
    SetOption,
    WorkersOption,
    check_out,
    choose_workers,
    fail,
    load,
    out_console,
    write_staged,
)

if TYPE_CHECKING:
    from sim.compare import CompareResult, UnitCosts
    from sim.replications import TaskProgress
    from sim.scenario import Scenario, WorkEstimate

__all__ = ["DEFAULT_COMPARE_REPLICATIONS", "compare_command", "run_replicated"]

DEFAULT_COMPARE_REPLICATIONS = 5


def _check_replications(replications: int) -> None:
    if replications < 2:
        fail(
            f"--replications {replications}: expected at least 2, since a confidence "
            "interval needs two replications or more; to run replication I of a study on "
            "its own, use --replication I"
        )


def _study(
    loaded: Scenario,
    labels: dict[str, str],
    replications: int,
    seed: int | None,
    workers: int,
    reference: str,
    costs: UnitCosts | None,
    quiet: bool,
    amplification: bool = False,
) -> CompareResult:
    """Run the comparison, with a progress bar on stderr unless ``quiet``."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.compare import compare
    from sim.progress import progress_bar

    def run(progress: TaskProgress | None = None) -> CompareResult:
        return compare(
            loaded,
            list(labels.values()),
            replications,
            seed,
            workers,
            reference,
            costs,
            progress=progress,
            against_fault_free=amplification,
        )

    try:
        with progress_bar(
            loaded.name, replications * len(labels), "run", False if quiet else None
        ) as update:
            return run(lambda done, _total: update(done))
    except MemoryError:
        fail(f"{loaded.name}: ran out of memory while simulating; lower --workers or the demand")
    except BrokenProcessPool:
        fail(
            f"{loaded.name}: a worker process stopped unexpectedly, most likely out of "
            "memory; lower --workers or the demand"
        )


def _outputs(result: CompareResult, out: Path) -> None:
    from sim.compare import write_compare_outputs

    paths = write_staged(out, lambda folder: write_compare_outputs(result, folder))
    out_console().print(
        f"replications: {paths['tidy']}  summary: {paths['summary']}",
        highlight=False,
        markup=False,
    )


def run_replicated(
    loaded: Scenario,
    estimate: WorkEstimate,
    replications: int,
    seed: int | None,
    workers: int | None,
    out: Path,
    quiet: bool,
    max_memory_gib: float | None,
    amplification: bool,
) -> None:
    """``o2csim run --replications N``: KPIs with 95% intervals and the SLA verdicts."""
    from sim.compare import OUTPUT_NAMES, resolve_patterns
    from sim.report.compare import print_comparison

    _check_replications(replications)
    count = choose_workers(workers, replications, estimate, max_memory_gib)
    check_out(out, OUTPUT_NAMES)
    labels = resolve_patterns([loaded.integration.pattern])
    label = next(iter(labels))
    result = _study(loaded, labels, replications, seed, count, label, None, quiet, amplification)
    print_comparison(result.summary, out_console(), count)
    _outputs(result, out)
    if not result.summary["sla_passed"][label]:
        raise typer.Exit(EXIT_SLA_BREACH)


def compare_command(
    scenario: ScenarioArg,
    patterns: Annotated[
        str | None,
        typer.Option(
            help=(
                "comma-separated patterns: registered names, import paths "
                "package.module:Class, or o2csim.patterns entry points (default: every "
                "built-in pattern)"
            ),
            show_default=False,
        ),
    ] = None,
    replications: Annotated[
        int, typer.Option(help="replications per pattern (at least 2)")
    ] = DEFAULT_COMPARE_REPLICATIONS,
    seed: Annotated[
        int | None,
        typer.Option(help="study seed; replication i runs with a seed derived from it"),
    ] = None,
    workers: WorkersOption = None,
    out: Annotated[
        Path, typer.Option(help="folder for replications.parquet and summary.json")
    ] = Path("runs/compare"),
    reference: Annotated[
        str | None,
        typer.Option(
            help="pattern the others are compared with (default: hybrid)", show_default=False
        ),
    ] = None,
    costs: Annotated[
        Path | None,
        typer.Option(help="YAML file of unit costs (per_call, per_message, ...)"),
    ] = None,
    cost: Annotated[
        list[str] | None,
        typer.Option("--cost", help="override one unit cost: field=value (repeatable)"),
    ] = None,
    overrides: SetOption = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    max_memory_gib: MaxMemoryOption = None,
) -> None:
    """Compare patterns on one scenario over replications with common random numbers."""
    from sim.compare import (
        OUTPUT_NAMES,
        CompareError,
        CostsError,
        load_costs,
        resolve_patterns,
        resolve_reference,
    )
    from sim.report.compare import print_comparison

    loaded, estimate = load(scenario, overrides, seed, max_memory_gib)
    _check_replications(replications)
    specs = None
    if patterns is not None:
        specs = [p.strip() for p in patterns.split(",") if p.strip()]
        if not specs:
            fail(f"--patterns {patterns!r}: expected comma-separated pattern names")
    try:
        labels = resolve_patterns(specs)
    except CompareError as exc:
        fail(f"--patterns {patterns or '(default)'}: {exc}")
    try:
        label = resolve_reference(labels, reference)
    except CompareError as exc:
        fail(f"--reference {reference}: {exc}")
    try:
        unit_costs = load_costs(costs, cost)
    except CostsError as exc:
        fail(str(exc))
    count = choose_workers(workers, replications * len(labels), estimate, max_memory_gib)
    check_out(out, OUTPUT_NAMES)
    result = _study(loaded, labels, replications, seed, count, label, unit_costs, quiet)
    print_comparison(result.summary, out_console(), count)
    _outputs(result, out)
