from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.checks import CHECKERS, compare_histories, run_all
from sim.run import RunResult, execute
from sim.scenario import load_scenario

OVERRIDES = ["demand_days=0.5", "drain_days=6", "demand.orders_per_business_day=200"]


@pytest.fixture(scope="module")
def result() -> RunResult:
    return execute(load_scenario("scenarios/baseline.yaml", OVERRIDES), seed=3)


def test_a_fault_free_world_keeps_every_invariant(result: RunResult) -> None:
    verdicts = run_all(result.history)
    assert set(verdicts) == set(CHECKERS)
    failed = {name: v.to_dict() for name, v in verdicts.items() if not v.valid}
    assert failed == {}
    assert verdicts["no_lost_orders"].counts["accepted"] > 0
    assert verdicts["no_lost_orders"].counts["lost"] == 0
    assert verdicts["causality"].counts["shipments"] > 0
    # every stocked (plant, material) was counted at the end, and every count balances
    assert (
        verdicts["causality"].counts["stock_counted_groups"]
        >= verdicts["causality"].counts["stock_groups"]
    )
    assert verdicts["causality"].note == ""
    assert verdicts["monotonic_lifecycle"].counts["orders_checked"] > 0


def test_parquet_gives_the_same_verdicts(result: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "history.parquet"
    pq.write_table(result.history.to_arrow(), path)
    frame = pd.read_parquet(path)
    assert run_all(frame) == run_all(result.history)
    assert compare_histories(result.history, frame).valid
