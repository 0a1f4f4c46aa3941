"""``o2csim capacity``: the highest load at which every SLA holds, and what saturates first.

It bisects the arrival-rate multiplier with replications at each step
(:func:`sim.capacity.capacity_search`), prints each step as it is judged and a summary,
and writes ``capacity.json`` and ``utilisation.parquet``. Heavy modules are imported
inside the command, so that ``o2csim --help`` stays quick.
"""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli_common import (
    MaxMemoryOption,
    ScenarioArg,
    SetOption,
    WorkersOption,
    ceiling,
    check_out,
    choose_workers,
    err_console,
    fail,
    load,
    out_console,
    write_staged,
)

if TYPE_CHECKING:
    from sim.capacity import CapacityStep

__all__ = ["capacity_command"]


def capacity_command(
    scenario: ScenarioArg,
    pattern: Annotated[
        str | None,
        typer.Option(
            help=(
                "pattern to load-test: a registered name, package.module:Class or an "
                "o2csim.patterns entry point (default: the scenario's)"
            ),
            show_default=False,
        ),
    ] = None,
    replications: Annotated[int, typer.Option(help="replications per step (at least 2)")] = 5,
    low: Annotated[float, typer.Option(help="lowest arrival-rate multiplier tried first")] = 0.5,
    high: Annotated[float, typer.Option(help="highest multiplier tried first")] = 16.0,
    tolerance: Annotated[
        float, typer.Option(help="stop when the failed end is within this share of the passed")
    ] = 0.1,
    max_steps: Annotated[
        int, typer.Option(help="multipliers judged at most, bracket checks included")
    ] = 10,
    saturation: Annotated[
        float, typer.Option(help="busiest-hour utilisation at which a resource is saturated")
    ] = 0.85,
    backlog_floor: Annotated[
        float,
        typer.Option(
            help="requests waiting per server by which a saturated resource's backlog must "
            "have grown (0: utilisation alone names the bottleneck)"
        ),
    ] = 0.1,
    gate: Annotated[
        list[str] | None,
        typer.Option(
            "--gate",
            help="an SLA target or threshold line a step must hold to pass (repeatable; "
            "default: every one of the scenario); the others are still judged and reported",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="study seed; every step runs the same replication seeds"),
    ] = None,
    workers: WorkersOption = None,
    overrides: SetOption = None,
    out: Annotated[
        Path, typer.Option(help="folder for capacity.json and utilisation.parquet")
    ] = Path("runs/capacity"),
    quiet: Annotated[bool, typer.Option(help="no line per step")] = False,
    max_memory_gib: MaxMemoryOption = None,
) -> None:
    """Find the highest arrival-rate multiplier at which every SLA holds, and the bottleneck."""
    from pydantic import ValidationError

    from sim.capacity import OUTPUT_NAMES, CapacitySettings, capacity_search, check_gates, scaled
    from sim.compare import CompareError, resolve_patterns, with_pattern
    from sim.report.capacity import print_capacity, step_line
    from sim.scenario import ScenarioError, check_work

    loaded, _ = load(scenario, overrides, seed, max_memory_gib)
    if pattern is not None:
        try:
            spec = next(iter(resolve_patterns([pattern]).values()))
        except CompareError as exc:
            fail(f"--pattern {pattern}: {exc}")
        loaded = with_pattern(loaded, spec)
    try:
        settings = CapacitySettings(
            low=low,
            high=high,
            tolerance=tolerance,
            max_steps=max_steps,
            replications=replications,
            saturation=saturation,
            backlog_floor=backlog_floor,
            gates=tuple(gate or ()),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"--{'-'.join(str(p) for p in e['loc']).replace('_', '-') or 'high'}: {e['msg']}"
            for e in exc.errors()
        )
        fail(problems)
    try:
        check_gates(loaded, settings.gates)
    except ValueError as exc:
        fail(f"--gate: {scenario}: {exc}")
    limit = ceiling(max_memory_gib)
    try:
        estimate = check_work(scaled(loaded, settings.high), limit, str(scenario), overrides)
    except ScenarioError as exc:
        fail(f"{exc} (at --high {settings.high:g}x; lower --high)")
    count = choose_workers(workers, settings.replications, estimate, max_memory_gib)
    largest = settings.high
    for _ in range(settings.widen):  # high is doubled only while its runs still fit
        try:
            wider = check_work(scaled(loaded, largest * 2), limit, str(scenario), overrides)
        except ScenarioError:
            break
        if count * wider.memory_gib > limit:
            break
        largest *= 2
    check_out(out, OUTPUT_NAMES)
    console = out_console()

    def show(step: CapacityStep) -> None:
        if not quiet:
            err_console.print(step_line(step), highlight=False, markup=False, soft_wrap=True)

    try:
        result = capacity_search(loaded, settings, seed, count, on_step=show, ceiling=largest)
    except MemoryError:
        fail(f"{loaded.name}: ran out of memory while simulating; lower --high or --workers")
    except BrokenProcessPool:
        fail(
            f"{loaded.name}: a worker process stopped unexpectedly, most likely out of "
            "memory; lower --high or --workers"
        )
    from sim.capacity import write_capacity_outputs

    paths = write_staged(out, lambda folder: write_capacity_outputs(result, folder))
    print_capacity(result, console)
    console.print(
        f"capacity: {paths['summary']}  series: {paths['series']}", highlight=False, markup=False
    )
