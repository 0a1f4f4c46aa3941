"""``o2csim check``, run as a pipeline runs it: exit codes, summary.json, JUnit, reproduce."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import junitparser
import pytest

from sim.engine.history import HISTORY_FORMAT
from tests.cli.support import o2csim
from tests.oracle.support import DUPLICATING, GATE, SMALL, sets


def junit_cases(path: Path) -> dict[str, junitparser.TestCase]:
    """Every test case of a JUnit file, read by a common JUnit consumer."""
    xml = junitparser.JUnitXml.fromfile(str(path))
    return {case.name: case for suite in xml for case in suite}


def reproduce_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("reproduce: "))


def test_a_passing_scenario_exits_0_with_a_valid_junit_file(tmp_path: Path) -> None:
    done = o2csim("check", GATE, *sets(["demand.orders_per_business_day=300"]), "--out", tmp_path)
    assert done.code == 0, done.stdout + done.stderr
    assert "seed 20261127" in done.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["exit_code"] == 0 and summary["verdict"] == "ok"
    assert summary["provenance"]["history_format"] == HISTORY_FORMAT
    cases = junit_cases(tmp_path / "junit.xml")
    assert {"no_lost_orders", "no_duplicates", "message_conservation"} <= set(cases)
    assert {"sla.order_creation_latency", "dead_letters == 0"} <= set(cases)
    assert all(case.is_passed for case in cases.values())
    # the printed command reproduces the run
    line = reproduce_line(done.stdout)
    words = shlex.split(line.removeprefix("reproduce: "))
    assert words[:3] == ["o2csim", "check", str(GATE)] and "--seed" in words
    again = o2csim(*words[1:], "--out", tmp_path / "again")
    assert again.code == 0
    first, second = (
        json.loads((p / "summary.json").read_text()) for p in (tmp_path, tmp_path / "again")
    )
    assert first["gates"] == second["gates"]


def test_an_invariant_violation_exits_4_with_the_witness_in_junit(tmp_path: Path) -> None:
    done = o2csim(
        "check",
        GATE,
        *sets(
            [
                *SMALL,
                *DUPLICATING,
                "faults=[{kind: lost_response, target: erp.create_order, probability: 0.4}]",
            ]
        ),
        "--seed",
        "3",
        "--out",
        tmp_path,
    )
    assert done.code == 4, done.stdout + done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    duplicates = next(o for o in summary["invariants"] if o["name"] == "no_duplicates")
    assert not duplicates["valid"] and duplicates["counts"]["duplicate_creates"] > 0
    witnessed = {row["correlation_id"] for row in duplicates["witness"] if "correlation_id" in row}
    case = junit_cases(tmp_path / "junit.xml")["no_duplicates"]
    (failure,) = case.result
    assert isinstance(failure, junitparser.Failure)
    assert any(order in failure.message for order in witnessed)
    assert all(order in failure.text for order in witnessed)


def test_an_sla_breach_exits_3(tmp_path: Path) -> None:
    tight = 'thresholds=["order_creation_latency.p95 < 1s"]'
    done = o2csim("check", GATE, *sets([*SMALL, tight]), "--out", tmp_path)
    assert done.code == 3, done.stdout + done.stderr
    case = junit_cases(tmp_path / "junit.xml")["order_creation_latency.p95 < 1s"]
    assert isinstance(case.result[0], junitparser.Failure)


def test_a_threshold_on_a_missing_figure_is_bad_input_after_writing_outputs(
    tmp_path: Path,
) -> None:
    done = o2csim("check", GATE, *sets([*SMALL, 'thresholds=["calls < 3"]']), "--out", tmp_path)
    assert done.code == 2
    assert "thresholds: calls < 3" in done.stderr and "ambiguous" in done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads((tmp_path / "summary.json").read_text())["exit_code"] == 2
    case = junit_cases(tmp_path / "junit.xml")["calls < 3"]
    assert isinstance(case.result[0], junitparser.Error)


def test_replications_and_replay_give_a_verdict_across_runs(tmp_path: Path) -> None:
    done = o2csim(
        "check",
        GATE,
        *sets(SMALL),
        "--replications",
        "2",
        "--replay",
        "--workers",
        "1",
        "--out",
        tmp_path,
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    # two replications give wide bounds: the gates may fail (3), the invariants may not
    assert done.code == summary["exit_code"] and done.code in (0, 3), done.stderr
    assert summary["invariants_hold"]
    assert summary["replications"] == 2 and len(summary["seeds"]) == 2
    determinism = next(o for o in summary["invariants"] if o["name"] == "determinism")
    assert determinism["valid"] and determinism["counts"]["same_hash"] == 1
    assert all(gate["basis"] == "2 replications" for gate in summary["gates"])


def test_run_exits_4_on_a_violation_and_check_reads_its_folder(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    done = o2csim(
        "run", GATE, *sets([*SMALL, *DUPLICATING]), "--seed", "3", "--quiet", "--out", run_dir
    )
    assert done.code == 4, done.stderr
    assert "no_duplicates" in done.stderr
    facts = json.loads((run_dir / "run.json").read_text())
    assert facts["invariants_hold"] is False
    assert {"o2csim", "commit", "python", "numpy", "simpy"} <= set(facts["provenance"])
    checked = o2csim("check", run_dir, "--out", tmp_path / "check")
    assert checked.code == 4
    assert "seed 3" in checked.stdout
    # the command printed reruns the run from the scenario the check wrote next to it
    line = reproduce_line(checked.stdout)
    words = shlex.split(line.removeprefix("reproduce: "))
    rerun = o2csim(*words[1:], "--quiet", "--out", tmp_path / "rerun")
    assert rerun.code == 4
    rerun_facts = json.loads((tmp_path / "rerun" / "run.json").read_text())
    assert rerun_facts["history_sha256"] == facts["history_sha256"]


@pytest.mark.parametrize("declared", [None, 99])
def test_check_refuses_a_history_format_it_does_not_know(
    tmp_path: Path, declared: int | None
) -> None:
    run_dir = tmp_path / "run"
    assert o2csim("run", GATE, *sets(SMALL), "--quiet", "--out", run_dir).code == 0
    facts = json.loads((run_dir / "run.json").read_text())
    if declared is None:
        del facts["history_format"]
    else:
        facts["history_format"] = declared
    (run_dir / "run.json").write_text(json.dumps(facts))
    done = o2csim("check", run_dir, "--out", tmp_path / "check")
    assert done.code == 2
    assert "history_format" in done.stderr and "run.json" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_check_input_exits_2_without_a_traceback(tmp_path: Path) -> None:
    missing = o2csim("check", tmp_path / "nope.yaml", "--out", tmp_path / "o")
    assert missing.code == 2 and "no such scenario file or run folder" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    folder = o2csim("check", empty, "--out", tmp_path / "o")
    assert folder.code == 2 and "run.json" in folder.stderr
    options = o2csim("check", empty, "--seed", "3", "--out", tmp_path / "o")
    assert options.code == 2 and "run folder is checked as it is" in options.stderr
