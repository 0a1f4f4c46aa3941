"""``o2csim run --replications N``, ``run --replication I`` and ``compare``, as a user runs them.

A replication run on its own has the history of that replication inside a study; a user's
pattern named by import path (in the scenario or in ``--patterns``) or by entry point runs
in spawned worker processes; bad input exits 2 with one message and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from sim.replications import replication_seed
from tests.cli.support import REPO, Result, o2csim, write_yaml
from tests.compare.support import TINY_WITH_SLAS, USER_PATTERN, write_plugin

EXIT_BAD_INPUT = 2
EXIT_SLA_BREACH = 3


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def user_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny world with SLAs, integrated by a user's pattern named by its import path."""
    folder = tmp_path_factory.mktemp("user")
    return write_yaml(
        folder / "user.yaml", {**TINY_WITH_SLAS, "integration": {"pattern": USER_PATTERN}}
    )


@pytest.fixture(scope="module")
def study(user_scenario: Path) -> tuple[Result, Path]:
    out = user_scenario.parent / "study"
    args = ("--replications", "3", "--workers", "2", "--seed", "5", "--quiet", "--out", out)
    return o2csim("run", user_scenario, *args), out


def test_replications_report_intervals_and_verdicts(study: tuple[Result, Path]) -> None:
    result, out = study
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["replications.parquet", "summary.json"]
    text = result.stdout
    assert "3 replications of study seed 5" in text
    assert "SLA verdicts across 3 replications" in text
    assert "one-sided 97.5% upper bound (t, 2 dof; Bonferroni over 2 SLAs)" in text
    assert "Δ vs" not in text  # one pattern: nothing to compare with
    summary = _json(out / "summary.json")
    assert summary["patterns"] == ["hybrid_unreconciled"]
    assert summary["pattern_specs"] == {"hybrid_unreconciled": USER_PATTERN}
    assert summary["replication_seeds"] == [replication_seed(5, i) for i in range(3)]
    assert summary["sla_passed"] == {"hybrid_unreconciled": True}
    verdicts = summary["sla"]["hybrid_unreconciled"]
    assert sorted(verdicts) == ["order_creation_latency", "validation_latency"]
    assert all(v["n"] == 3 and v["k"] == 2 and v["passed"] for v in verdicts.values())
    tidy = pq.read_table(out / "replications.parquet").to_pandas()
    assert sorted(tidy["replication"].unique()) == [0, 1, 2]
    assert set(tidy["pattern"]) == {"hybrid_unreconciled"}


def test_replication_i_alone_has_the_same_history(
    study: tuple[Result, Path], user_scenario: Path
) -> None:
    _, out = study
    hashes = _json(out / "summary.json")["history_sha256"]["hybrid_unreconciled"]
    assert len(set(hashes)) == 3
    alone_out = user_scenario.parent / "alone"
    alone = o2csim(
        "run", user_scenario, "--seed", "5", "--replication", "1", "--quiet", "--out", alone_out
    )
    assert alone.code == 0, alone.stderr
    facts = _json(alone_out / "run.json")
    assert facts["history_sha256"] == hashes[1]
    assert (facts["seed"], facts["study_seed"], facts["replication"]) == (
        replication_seed(5, 1),
        5,
        1,
    )
    assert "replication 1 of study seed 5" in alone.stdout
    assert "SLA verdicts (single run" in alone.stdout


def test_an_sla_failing_under_the_rule_exits_3(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "tight.yaml", TINY_WITH_SLAS)
    out = tmp_path / "out"
    result = o2csim(
        "run",
        path,
        "--replications",
        "2",
        "--workers",
        "1",
        "--quiet",
        "--out",
        out,
        "--set",
        "slas.validation_latency.max_s=0.5",
    )
    assert result.code == EXIT_SLA_BREACH, result.stderr
    summary = _json(out / "summary.json")
    assert summary["sla_passed"] == {"hybrid": False}
    assert summary["sla"]["hybrid"]["validation_latency"]["passed"] is False
    assert summary["sla"]["hybrid"]["order_creation_latency"]["passed"] is True
    assert "FAIL" in result.stdout


def test_compare_a_builtin_with_a_user_pattern_from_an_entry_point(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    write_plugin(plugins, f"unreconciled = {USER_PATTERN}")
    path = write_yaml(tmp_path / "tiny.yaml", TINY_WITH_SLAS)
    out = tmp_path / "cmp"
    result = o2csim(
        "compare",
        path,
        "--patterns",
        "hybrid,unreconciled",
        "--replications",
        "2",
        "--workers",
        "2",
        "--seed",
        "9",
        "--quiet",
        "--out",
        out,
        "--cost",
        "per_manual_touch=9",
        env={"PYTHONPATH": f"{REPO}:{plugins}"},
    )
    assert result.code == 0, result.stderr
    assert "Δ vs hybrid" in result.stdout and "hybrid_unreconciled" in result.stdout
    summary = _json(out / "summary.json")
    assert summary["patterns"] == ["hybrid", "hybrid_unreconciled"]
    assert summary["pattern_specs"]["hybrid_unreconciled"] == "unreconciled"
    assert summary["costs"]["per_manual_touch"] == 9
    assert summary["common_random_numbers"]["same_orders"] is True
    tidy = pq.read_table(out / "replications.parquet").to_pandas()
    kpis = tidy["kpi"].nunique()
    assert len(tidy) == 2 * 2 * kpis
    assert list(tidy.columns) == ["pattern", "replication", "seed", "kpi", "value"]


BAD = {
    "unknown pattern path": (
        ("compare", "--patterns", "hybrid,no_such_package.mod:Pattern"),
        "--patterns hybrid,no_such_package.mod:Pattern: pattern 'no_such_package.mod:Pattern': "
        "cannot import module 'no_such_package.mod'",
    ),
    "path to no pattern": (
        ("compare", "--patterns", "tests.compare.user_patterns:NotAPattern"),
        "not a subclass of sim.integration.patterns.IntegrationPattern",
    ),
    "unknown reference": (
        ("compare", "--patterns", "hybrid", "--reference", "direct"),
        "--reference direct: 'direct' is not among the patterns compared: hybrid",
    ),
    "compare with one replication": (
        ("compare", "--replications", "1"),
        "--replications 1: expected at least 2",
    ),
    "run with one replication": (
        ("run", "--replications", "1"),
        "--replications 1: expected at least 2, since a confidence interval needs two",
    ),
    "both replication options": (
        ("run", "--replications", "3", "--replication", "1"),
        "--replications and --replication: give one or the other",
    ),
    "negative replication": (("run", "--replication", "-1"), "--replication -1: expected a"),
    "workers without replications": (("run", "--workers", "2"), "--workers: applies to"),
    "no workers": (("compare", "--workers", "0"), "--workers 0: expected at least 1"),
    "negative cost": (("compare", "--cost", "per_call=-1"), "per_call: Input should be greater"),
    "missing costs file": (("compare", "--costs", "nope.yaml"), "nope.yaml: no such costs file"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_input_exits_2_with_one_message(name: str, tmp_path: Path) -> None:
    args, expected = BAD[name]
    path = write_yaml(tmp_path / "tiny.yaml", TINY_WITH_SLAS)
    out = tmp_path / "out"
    command, *options = args
    result = o2csim(command, path, *options, "--quiet", "--out", out)
    assert result.code == EXIT_BAD_INPUT, result
    assert "Traceback" not in result.stdout + result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: ") and len(message.splitlines()) == 1, message
    assert expected in message, message
    assert not out.exists()


def test_a_bad_pattern_path_in_the_scenario_names_the_field(tmp_path: Path) -> None:
    data = {**TINY_WITH_SLAS, "integration": {"pattern": "no_such_package.mod:Pattern"}}
    path = write_yaml(tmp_path / "bad.yaml", data)
    for command in ("validate", "run", "compare"):
        options = () if command == "validate" else ("--quiet", "--out", tmp_path / "out")
        result = o2csim(command, path, *options)
        assert result.code == EXIT_BAD_INPUT, result
        assert "Traceback" not in result.stderr
        assert str(path) in result.stderr
        assert "integration.pattern: pattern 'no_such_package.mod:Pattern': cannot import" in (
            result.stderr
        )
        assert not (tmp_path / "out").exists()
