"""``o2csim check``: the verdict a CI pipeline gates on.

``o2csim check SCENARIO`` runs the scenario (``--replications N`` for a verdict across
replications), runs every invariant checker on each history and judges the scenario's SLA
targets and thresholds; ``o2csim check RUN_DIR`` checks a run made earlier. Either way it
writes ``summary.json`` and ``junit.xml`` to ``--out``, prints the seed and a command that
reproduces the run, and exits with :class:`sim.oracle.ExitCode`: 0 all pass, 2 bad input,
3 an SLA breach, 4 an invariant violation (which wins over 3).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sim.cli_common import (
    MaxMemoryOption,
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
    from sim.oracle import CheckReport
    from sim.scenario import Scenario

__all__ = ["check_command", "print_check", "reproduce_command"]

_OUTPUT_NAMES = ("summary.json", "junit.xml", "scenario.yaml")


def reproduce_command(
    scenario: str,
    seed: int,
    overrides: list[str],
    replications: int = 1,
    command: str = "check",
) -> str:
    """The one-line command that makes the same run(s) again."""
    words = ["o2csim", command, scenario, "--seed", str(seed)]
    for override in overrides:
        words += ["--set", override]
    if replications > 1:
        words += ["--replications", str(replications)]
    return shlex.join(words)


def _orders(witness: list[dict[str, object]]) -> str:
    ids = list(
        dict.fromkeys(str(row["correlation_id"]) for row in witness if "correlation_id" in row)
    )
    return ", ".join(ids[:3]) + (" ..." if len(ids) > 3 else "")


def print_check(report: CheckReport) -> None:
    """The invariant and gate tables, the seeds and the reproduce command."""
    console = out_console()
    seeds = (
        f"study seed {report.study_seed}, replication seeds {report.seeds[0]} .. "
        if report.study_seed is not None
        else f"seed {report.seeds[0]}"
    )
    console.print(
        f"[bold]{escape(report.scenario)}[/bold]  pattern {escape(report.pattern)}  "
        f"{escape(seeds)}  runs {report.replications}",
        highlight=False,
    )
    invariants = Table(title="Invariants (history-only checkers)", title_justify="left")
    for column in ("invariant", "verdict", "runs failed", "witness orders"):
        invariants.add_column(column)
    for outcome in report.invariants:
        invariants.add_row(
            outcome.name,
            "[green]holds[/green]" if outcome.valid else "[red]VIOLATED[/red]",
            f"{len(outcome.failed_runs)}/{outcome.runs}",
            escape(_orders(outcome.witness)),
        )
    console.print(invariants)
    if report.gates:
        gates = Table(title="SLA gates", title_justify="left")
        for column in ("gate", "basis", "verdict", "detail"):
            gates.add_column(column)
        for gate in report.gates:
            verdict = "[green]pass[/green]" if gate.passed else "[red]FAIL[/red]"
            if gate.error is not None:
                verdict = "[red]CANNOT JUDGE[/red]"
            gates.add_row(escape(gate.name), gate.basis, verdict, escape(gate.detail))
        console.print(gates)
    console.print(f"reproduce: {report.reproduce}", highlight=False, markup=False, soft_wrap=True)
    for outcome in report.violations:
        if outcome.replication is not None and report.study_seed is not None:
            console.print(
                f"{outcome.name} first failed in replication {outcome.replication}; on its own: "
                f"o2csim run ... --seed {report.study_seed} --replication {outcome.replication}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )


def _write(report: CheckReport, scenario: Scenario | None, folder: Path) -> dict[str, Path]:
    from sim.oracle import write_junit
    from sim.report.files import json_ready

    paths = {"summary": folder / "summary.json", "junit": folder / "junit.xml"}
    paths["summary"].write_text(json.dumps(json_ready(report.to_dict()), indent=2) + "\n")
    write_junit(report, paths["junit"])
    if scenario is not None:
        import yaml

        paths["scenario"] = folder / "scenario.yaml"
        paths["scenario"].write_text(
            yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False)
        )
    return paths


def _check_run_dir(run_dir: Path) -> tuple[CheckReport, Scenario | None]:
    from sim.oracle import RunDirError, check_run_dir
    from sim.scenario import Scenario

    try:
        report = check_run_dir(run_dir)
    except RunDirError as error:
        fail(str(error))
    facts = json.loads((run_dir / "run.json").read_text())
    try:
        scenario = Scenario.model_validate(facts.get("resolved_scenario"))
    except ValueError:
        scenario = None
    return report, scenario


def check_command(
    target: Annotated[
        Path, typer.Argument(help="scenario YAML file to run and check, or a run folder to check")
    ],
    pattern: Annotated[
        str | None, typer.Option(help="integration pattern (name, module:Class, entry point)")
    ] = None,
    replications: Annotated[
        int, typer.Option(help="runs of the scenario; N >= 2 judges SLAs across replications")
    ] = 1,
    seed: Annotated[
        int | None,
        typer.Option(help="seed of the run (default: the scenario's); with N >= 2 the study seed"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="worker processes for --replications", show_default=False)
    ] = None,
    overrides: SetOption = None,
    out: Annotated[Path, typer.Option(help="folder for summary.json and junit.xml")] = Path(
        "runs/check"
    ),
    replay: Annotated[
        bool, typer.Option("--replay", help="run twice and compare histories (determinism)")
    ] = False,
    max_memory_gib: MaxMemoryOption = None,
) -> None:
    """Check invariants and SLA gates; exit 0 pass, 2 bad input, 3 SLA breach, 4 violation."""
    if not target.exists():
        fail(f"{target}: no such scenario file or run folder")
    check_out(out, _OUTPUT_NAMES)
    if target.is_dir():
        if pattern or overrides or seed is not None or replications != 1 or replay:
            fail(
                f"{target}: a run folder is checked as it is; --pattern, --set, --seed, "
                "--replications and --replay apply to a scenario file"
            )
        report, scenario = _check_run_dir(target)
        reproduce = (
            reproduce_command(str(out / "scenario.yaml"), report.seeds[0], [], command="run")
            if scenario is not None
            else ""
        )
    else:
        if replications < 1:
            fail(f"--replications {replications}: expected at least 1")
        given = [*(overrides or []), *([f"integration.pattern={pattern}"] if pattern else [])]
        loaded, estimate = load(target, given, seed, max_memory_gib)
        count = choose_workers(workers, replications, estimate, max_memory_gib)
        from sim.oracle import check_scenario

        try:
            report = check_scenario(loaded, seed, replications, count, replay, source=str(target))
        except MemoryError:
            fail(f"{target}: ran out of memory while simulating; lower the demand or --workers")
        scenario = None
        reproduce = reproduce_command(
            str(target), loaded.seed if seed is None else seed, given, replications
        )
    report.reproduce = reproduce
    paths = write_staged(out, lambda folder: _write(report, scenario, folder))
    print_check(report)
    out_console().print(
        f"summary: {paths['summary']}  junit: {paths['junit']}", highlight=False, markup=False
    )
    for gate in report.bad_gates:
        err_console.print(
            f"[red]error:[/red] {escape(str(target))}: thresholds: {escape(gate.name)}: "
            f"{escape(gate.error or '')}",
            highlight=False,
            soft_wrap=True,
        )
    raise typer.Exit(int(report.exit_code))
