"""Every shipped failure scenario runs from the CLI, keeps every invariant under the hybrid
pattern, and moves the delivery-health fields its header names.

Each scenario runs as a user would run it (``o2csim run``), shrunk to a few hundred orders a
day with ``--set``; the checkers then read the ``history.parquet`` it wrote.
"""

from __future__ import annotations

import json
import re
from functools import reduce
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.checks import run_all
from tests.cli.support import o2csim

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
FAILURE_SCENARIOS = sorted(
    p.stem
    for p in SCENARIOS.glob("*.yaml")
    if p.stem not in {"baseline", "peak_day", "thanksgiving_week"}
)


def header(name: str) -> tuple[str, list[str]]:
    lines = (SCENARIOS / f"{name}.yaml").read_text().splitlines()
    purpose = re.fullmatch(r"# purpose: (.+)", lines[0])
    assert purpose, f"{name}.yaml must start with '# purpose: ...'"
    fields = next(line for line in lines if line.startswith("# delivery_health:"))
    return purpose.group(1), [f.strip() for f in fields.split(":", 1)[1].split(",")]


def field(metrics: dict[str, Any], path: str) -> float:
    value = reduce(lambda node, key: node[key], path.split("."), metrics["delivery_health"])
    return float(value)


def test_the_eight_failure_scenarios_are_shipped() -> None:
    assert {
        "erp_maintenance_peak",
        "carrier_chaos",
        "month_end_throttling",
        "broker_outage",
        "schema_upgrade",
        "master_data_drift",
        "inventory_race",
        "bad_monday",
    } <= set(FAILURE_SCENARIOS)


@pytest.mark.parametrize("name", FAILURE_SCENARIOS)
def test_failure_scenario_holds_every_invariant_and_moves_its_fields(
    name: str, tmp_path: Path
) -> None:
    purpose, fields = header(name)
    assert purpose and fields
    out = tmp_path / name
    done = o2csim(
        "run",
        str(SCENARIOS / f"{name}.yaml"),
        "--set",
        "demand.orders_per_business_day=300",
        "--out",
        str(out),
    )
    assert done.code == 0, done.stderr
    history = pd.read_parquet(out / "history.parquet")
    verdicts = run_all(history)
    broken = {k: v.counts for k, v in verdicts.items() if not v.valid}
    assert not broken, broken
    assert verdicts["convergence"].note == ""  # the run ended quiescent: convergence judged
    metrics = json.loads((out / "metrics.json").read_text())
    moved = {path: field(metrics, path) for path in fields}
    assert all(value > 0 for value in moved.values()), moved
    facts = json.loads((out / "run.json").read_text())
    assert facts["fault_timeline"] or name == "inventory_race"
