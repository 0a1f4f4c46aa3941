"""Check a scenario (run it, once or as replications) or a run already made.

:func:`check_scenario` runs the scenario, runs every history-only checker on each run, and
judges the scenario's gates: on the one run, or across replications with the rule of
:mod:`sim.verdicts`. With ``replay`` it also runs the first run a second time and compares
the two histories (determinism). :func:`check_run_dir` reads ``run.json``,
``metrics.json`` and ``history.parquet`` of a run made earlier, possibly on another machine:
the checkers read its history, the gates are the run's own single-run verdicts. It refuses
a history whose format it does not know.
"""

from __future__ import annotations

from pathlib import Path

from sim.checks import Verdict, compare_histories, run_all
from sim.oracle.gates import replicated_gates, single_run_gates
from sim.oracle.outcome import CheckReport, RunChecked, fold_invariants
from sim.provenance import provenance
from sim.replications import ReplicationTask, TaskProgress, run_tasks
from sim.run import RunResult, execute
from sim.run_dir import RunDirError, open_history, read_json
from sim.scenario import Scenario

__all__ = ["RunDirError", "check_run_dir", "check_scenario", "determinism_verdict"]


def determinism_verdict(scenario: Scenario, seed: int, first: RunResult | None = None) -> Verdict:
    """Run ``scenario`` with ``seed`` twice; equal when the two histories are identical.

    ``first`` is a run already made with that seed (its history is compared, so only one
    more run is made).
    """
    first = execute(scenario, seed) if first is None else first
    second = execute(scenario, seed)
    verdict = compare_histories(first.history, second.history)
    counts = {**verdict.counts, "same_hash": int(first.history_hash == second.history_hash)}
    return Verdict(verdict.name, verdict.valid, counts, verdict.witness, verdict.note)


def check_scenario(
    scenario: Scenario,
    seed: int | None = None,
    replications: int = 1,
    workers: int = 1,
    replay: bool = False,
    progress: TaskProgress | None = None,
    source: str = "",
) -> CheckReport:
    """Run ``scenario`` and check it: one run with ``seed``, or ``replications`` of a study.

    With ``replications`` >= 2 the study seed is ``seed`` (default: the scenario's) and
    replication ``i`` runs with :func:`sim.replications.replication_seed`; the checkers run
    in the worker that made the history. The report's ``reproduce`` is left for the caller,
    which knows how the scenario was given.
    """
    if replications < 1:
        raise ValueError(f"need at least one run, got {replications}")
    study_seed = scenario.seed if seed is None else seed
    if replications == 1:
        result = execute(scenario, study_seed)
        verdicts = dict(result.invariants)
        if replay:
            verdicts["determinism"] = determinism_verdict(scenario, result.seed, result)
        runs = [RunChecked(None, result.seed, verdicts)]
        gates = single_run_gates(result.metrics)
        seeds = [result.seed]
        study: int | None = None
        if progress is not None:
            progress(1, 1)
    else:
        tasks = [
            ReplicationTask(scenario, study_seed, index, check_invariants=True)
            for index in range(replications)
        ]
        done = run_tasks(tasks, workers, progress)
        runs = [RunChecked(rep.index, rep.seed, rep.invariants) for rep in done]
        if replay:
            runs[0] = RunChecked(
                0,
                done[0].seed,
                {**done[0].invariants, "determinism": determinism_verdict(scenario, done[0].seed)},
            )
        gates = replicated_gates([rep.metrics for rep in done], scenario)
        seeds = [rep.seed for rep in done]
        study = study_seed
    return CheckReport(
        source=source or scenario.name,
        scenario=scenario.name,
        pattern=scenario.integration.pattern,
        seeds=seeds,
        replications=replications,
        invariants=fold_invariants(runs),
        gates=gates,
        study_seed=study,
        provenance=provenance(),
    )


def check_run_dir(run_dir: Path) -> CheckReport:
    """Check the history of a run made earlier; its gates are the run's own verdicts."""
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: not a folder")
    facts = read_json(run_dir / "run.json")
    metrics = read_json(run_dir / "metrics.json")
    history = open_history(run_dir / "history.parquet", facts.get("history_format"))
    for name in ("scenario", "seed"):
        if name not in facts:
            raise RunDirError(f"{run_dir / 'run.json'}: field {name} is missing")
    seed = int(facts["seed"])
    resolved = facts.get("resolved_scenario") or {}
    pattern = str((resolved.get("integration") or {}).get("pattern", "unknown"))
    replication = facts.get("replication")
    return CheckReport(
        source=str(run_dir),
        scenario=str(facts["scenario"]),
        pattern=pattern,
        seeds=[seed],
        replications=1,
        invariants=fold_invariants(
            [RunChecked(None if replication is None else int(replication), seed, run_all(history))]
        ),
        gates=single_run_gates(metrics),
        study_seed=facts.get("study_seed"),
        provenance=dict(facts.get("provenance") or {}),
    )
