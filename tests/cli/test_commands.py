"""The three commands on good input: validate, schema and run (outputs, overrides, seeds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.cli.support import REPO, TINY, Result, o2csim, write_yaml

HISTORY_COLUMNS = ["time", "event", "actor", "order", "subject", "status", "value", "value2"]


@pytest.mark.parametrize("name", ["baseline", "peak_day"])
def test_validate_shipped_scenarios(name: str) -> None:
    path = REPO / "scenarios" / f"{name}.yaml"
    result = o2csim("validate", path)
    assert result.code == 0, result.stderr
    assert f"valid scenario '{name}'" in result.stdout
    assert result.stderr == ""


def test_validate_applies_overrides() -> None:
    result = o2csim(
        "validate",
        REPO / "scenarios" / "baseline.yaml",
        "--set",
        "demand.orders_per_business_day=30",
    )
    assert result.code == 0, result.stderr
    assert "30 orders per business day" in result.stdout


def test_installed_script_is_the_same_command(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "o2csim"
    if not script.exists():
        pytest.skip("o2csim console script not installed next to this interpreter")
    missing = tmp_path / "missing.yaml"
    done = subprocess.run(
        [script, "validate", missing], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip() == o2csim("validate", missing).stderr.strip()
    assert done.stderr.strip() == f"error: {missing}: no such scenario file"


def test_schema_is_json_schema_of_scenarios() -> None:
    result = o2csim("schema")
    assert result.code == 0, result.stderr
    schema = json.loads(result.stdout)
    assert "demand" in schema["properties"]
    assert schema["additionalProperties"] is False


def _run(tmp_path: Path, out: str, *args: str, quiet: bool = True) -> tuple[Result, Path]:
    scenario = tmp_path / "tiny.yaml"
    if not scenario.exists():
        write_yaml(scenario, TINY)
    folder = tmp_path / out
    flags = ["--quiet"] if quiet else []  # without it, a progress bar goes to stderr
    return o2csim("run", scenario, *flags, "--out", folder, *args), folder


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    return _run(tmp_path_factory.mktemp("tiny"), "out")


def test_run_writes_history_metrics_and_run_facts(tiny_run: tuple[Result, Path]) -> None:
    result, out = tiny_run
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "orders accepted" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["history.parquet", "metrics.json", "run.json"]

    history = pq.read_table(out / "history.parquet")
    assert history.column_names == HISTORY_COLUMNS
    assert history.num_rows > 0

    metrics = _json(out / "metrics.json")
    p95 = metrics["latency_s"]["order_creation_latency"]["p95"]
    assert isinstance(p95, float) and p95 > 0
    assert metrics["volume"]["orders_accepted"] > 0

    facts = _json(out / "run.json")
    assert facts["scenario"] == "tiny"
    assert facts["seed"] == TINY["seed"]
    assert facts["history_rows"] == history.num_rows
    assert len(facts["history_sha256"]) == 64
    assert facts["sla_passed"] is True


def test_set_override_changes_the_run(tiny_run: tuple[Result, Path], tmp_path: Path) -> None:
    base_result, base_out = tiny_run
    result, out = _run(tmp_path, "out", "--set", "demand.orders_per_business_day=30", quiet=False)
    assert base_result.code == 0 and result.code == 0, result.stderr
    accepted = _json(out / "metrics.json")["volume"]["orders_accepted"]
    base_accepted = _json(base_out / "metrics.json")["volume"]["orders_accepted"]
    assert 0 < accepted < base_accepted
    facts = _json(out / "run.json")
    assert facts["resolved_scenario"]["demand"]["orders_per_business_day"] == 30


def test_missed_sla_exits_3_and_still_writes_outputs(tmp_path: Path) -> None:
    result, out = _run(tmp_path, "out", "--set", "slas.order_creation_latency.max_s=0.001")
    assert result.code == 3, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert (out / "history.parquet").is_file()
    metrics = _json(out / "metrics.json")
    assert metrics["sla"]["order_creation_latency"]["passed"] is False
    assert _json(out / "run.json")["sla_passed"] is False


def test_run_replaces_earlier_outputs_and_keeps_other_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "metrics.json").write_text("stale\n")
    (out / "notes.txt").write_text("mine\n")
    result, _ = _run(tmp_path, "out")
    assert result.code == 0, result.stderr
    assert _json(out / "metrics.json")["volume"]["orders_accepted"] > 0
    assert (out / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in out.iterdir()) == [
        "history.parquet",
        "metrics.json",
        "notes.txt",
        "run.json",
    ]  # no staging folder left behind


def test_seed_decides_the_history(tiny_run: tuple[Result, Path], tmp_path: Path) -> None:
    base_result, base_out = tiny_run
    same, same_out = _run(tmp_path, "same", "--seed", str(TINY["seed"]))
    other, other_out = _run(tmp_path, "other", "--seed", "8")
    assert base_result.code == same.code == other.code == 0
    base_hash = _json(base_out / "run.json")["history_sha256"]
    assert _json(same_out / "run.json")["history_sha256"] == base_hash
    assert _json(other_out / "run.json")["history_sha256"] != base_hash
    assert _json(other_out / "run.json")["seed"] == 8
