"""``o2csim sweep`` as a user runs it: bad grids exit 2, failed tasks exit 5 and resume."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli_sweep import EXIT_NO_DASK, EXIT_TASKS_FAILED
from sim.replications import replication_seed
from tests.cli.support import REPO, o2csim, write_yaml
from tests.compare.flaky_patterns import FLAKY_ENV
from tests.compare.sweep_support import SMALL

FLAKY = "tests.compare.flaky_patterns:FlakyHybrid"


@pytest.fixture()
def scenario(tmp_path: Path) -> Path:
    return write_yaml(tmp_path / "small.yaml", SMALL)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--grid", "demand.no_such_key=1,2"], "demand.no_such_key"),
        (["--grid", "demand.orders_per_business_day=10,-5"], "demand.orders_per_business_day"),
        (["--grid", "demand.orders_per_business_day"], "demand.orders_per_business_day"),
        (["--grid", "demand.lines_per_order_mean=2,[1"], "demand.lines_per_order_mean"),
        (["--grid", "seed=1,2"], "seed"),
        (["--grid", "demand_days=1", "--grid", "demand_days=2"], "demand_days"),
        (["--grid", "demand_days=1,"], "demand_days"),
        ([], "--grid"),
        (["--grid", "demand_days=1", "--sensitivity"], "--sensitivity"),
        (["--grid", "demand_days=1", "--only", "demand"], "--only"),
        (["--sensitivity", "--factors", "1"], "--factors"),
        (["--sensitivity", "--only", "no.such.prefix"], "no.such.prefix"),
        (["--grid", "demand_days=1", "--workers", "2", "--dask", "2"], "--workers and --dask"),
        (["--grid", "demand_days=1", "--replications", "1"], "--replications"),
    ],
)
def test_a_bad_sweep_exits_2_naming_what_to_change(
    scenario: Path, tmp_path: Path, args: list[str], named: str
) -> None:
    out = tmp_path / "out"
    done = o2csim("sweep", scenario, *args, "--out", out)
    assert done.code == 2, done.stderr
    assert named in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_failed_tasks_are_listed_with_seeds_and_a_rerun_runs_only_them(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["sweep", scenario, "--grid", f"integration.pattern=hybrid,{FLAKY}"]
    args += ["--replications", "2", "--seed", "9", "--workers", "1", "--quiet", "--out", out]
    first = o2csim(*args, env={FLAKY_ENV: "1"})
    assert first.code == EXIT_TASKS_FAILED, first.stderr
    assert "Traceback" not in first.stderr and "failed on purpose" in first.stderr
    failures = json.loads((out / "failures.json").read_text())
    assert [f["seed"] for f in failures] == [replication_seed(9, i) for i in range(2)]
    assert [f["point"] for f in failures] == [{"integration.pattern": FLAKY}] * 2
    assert all("RuntimeError: the flaky pattern failed" in f["traceback"] for f in failures)
    partial = pd.read_parquet(out / "sweep.parquet")
    assert set(partial["integration.pattern"]) == {"hybrid"}
    verdicts = pd.read_parquet(out / "verdicts.parquet").set_index("integration.pattern")
    assert verdicts.loc[FLAKY, "passed"].isna().all()
    # the machine is back: the same command runs only the two failed tasks
    second = o2csim(*args)
    assert second.code == 0, second.stderr
    summary = json.loads((out / "sweep.json").read_text())
    assert (summary["ran"], summary["cached"], summary["failed"]) == (2, 2, 0)
    assert json.loads((out / "failures.json").read_text()) == []
    # and its table is the table of a sweep that never failed
    clean = tmp_path / "clean"
    third = o2csim(*args[:-1], clean, "--no-cache")
    assert third.code == 0, third.stderr
    assert not (clean / "cache").exists()
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "sweep.parquet"), pd.read_parquet(clean / "sweep.parquet")
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "verdicts.parquet"), pd.read_parquet(clean / "verdicts.parquet")
    )
    assert "SLA verdicts per point" in third.stdout


def test_dask_asked_for_but_missing_exits_with_its_own_code(scenario: Path, tmp_path: Path) -> None:
    fake = tmp_path / "site"
    (fake / "distributed").mkdir(parents=True)
    (fake / "distributed" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'distributed'\", name='distributed')\n"
    )
    out = tmp_path / "out"
    done = o2csim(
        "sweep",
        scenario,
        "--grid",
        "demand_days=1",
        "--dask",
        "--out",
        out,
        env={"PYTHONPATH": f"{fake}:{REPO}"},
    )
    assert done.code == EXIT_NO_DASK, done.stderr
    assert "pip install 'o2csim[dask]'" in done.stderr and "Traceback" not in done.stderr


def test_sensitivity_writes_its_ranking(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    setting = "systems.erp.endpoints.create_order.service_time"
    done = o2csim(
        "sweep",
        scenario,
        "--sensitivity",
        "--only",
        setting,
        "--factors",
        "2",
        "--replications",
        "2",
        "--workers",
        "1",
        "--quiet",
        "--out",
        out,
    )
    assert done.code == 0, done.stderr
    ranking = pd.read_parquet(out / "sensitivity.parquet")
    assert set(ranking["setting"]) == {setting} and set(ranking["factor"]) == {2.0}
    assert set(ranking["gate"]) == set(SMALL["slas"])
    assert "Sensitivity of order_creation_latency" in done.stdout and setting in done.stdout
    tidy = pd.read_parquet(out / "sweep.parquet")
    assert list(tidy.columns) == [
        "setting",
        "factor",
        "setting_value",
        "replication",
        "seed",
        "kpi",
        "value",
    ]
