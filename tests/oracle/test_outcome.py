"""Folding verdicts over runs, and the exit code's order of precedence."""

from __future__ import annotations

from sim.checks import Verdict
from sim.oracle import CheckReport, ExitCode, GateOutcome, RunChecked, fold_invariants


def verdict(name: str, valid: bool, order: int = 5) -> Verdict:
    rows = [] if valid else [{"row": 1, "order": order, "correlation_id": f"O{order:08d}"}]
    return Verdict(name, valid, {"bad": 0 if valid else 1}, rows)


def test_an_invariant_holds_only_when_it_held_in_every_run() -> None:
    runs = [
        RunChecked(0, 11, {"no_duplicates": verdict("no_duplicates", True)}),
        RunChecked(1, 12, {"no_duplicates": verdict("no_duplicates", False, order=7)}),
        RunChecked(2, 13, {"no_duplicates": verdict("no_duplicates", False, order=9)}),
    ]
    (outcome,) = fold_invariants(runs)
    assert not outcome.valid
    assert outcome.failed_runs == [1, 2] and outcome.runs == 3
    assert outcome.counts == {"bad": 2}
    assert (outcome.replication, outcome.seed) == (1, 12)  # the first failing run's witness
    assert outcome.witness[0]["correlation_id"] == "O00000007"
    assert outcome.witness[0]["replication"] == 1 and outcome.witness[0]["seed"] == 12


def report(valid: bool, gate_passed: bool, error: str | None = None) -> CheckReport:
    gate = GateOutcome(
        "dead_letters == 0", "threshold", gate_passed, "single run", "x", 0.0, "", error
    )
    return CheckReport(
        source="s",
        scenario="s",
        pattern="hybrid",
        seeds=[1],
        replications=1,
        invariants=fold_invariants([RunChecked(None, 1, {"c": verdict("c", valid)})]),
        gates=[gate],
    )


def test_exit_codes_an_invariant_violation_wins() -> None:
    assert report(True, True).exit_code is ExitCode.OK
    assert report(True, False).exit_code is ExitCode.SLA_BREACH
    assert report(False, False).exit_code is ExitCode.INVARIANT_VIOLATION
    assert report(True, False, "no figure").exit_code is ExitCode.BAD_INPUT
    assert report(False, False, "no figure").exit_code is ExitCode.INVARIANT_VIOLATION
    assert [int(code) for code in ExitCode] == [0, 1, 2, 3, 4]
    summary = report(False, True).to_dict()
    assert summary["exit_code"] == 4 and summary["invariants_hold"] is False


def test_the_determinism_verdict_catches_a_history_that_differs() -> None:
    from sim.oracle import determinism_verdict
    from sim.run import execute
    from sim.scenario import load_scenario
    from tests.oracle.support import GATE, SMALL

    scenario = load_scenario(GATE, SMALL)
    first = execute(scenario, 3)
    same = determinism_verdict(scenario, 3, first)
    assert same.valid and same.counts["same_hash"] == 1
    other = determinism_verdict(scenario, 3, execute(scenario, 4))  # not the same run
    assert not other.valid and other.counts["same_hash"] == 0
    assert other.witness  # the first differing row, from both histories
