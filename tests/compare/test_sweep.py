"""``sim.compare.sweep``: one scenario at several load levels, on common replication seeds."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.compare import SWEEP_COLUMNS, SweepResult, sweep
from sim.progress import sweep_with_progress
from sim.replications import replication_seed
from sim.report.plots import results_by_pattern, sla_table
from sim.run import execute
from sim.scenario import Scenario
from tests.compare.support import SLAS, tiny

SEED = 5
N = 2


def _at(orders_per_day: int) -> Scenario:
    scenario = tiny()
    demand = scenario.demand.model_copy(update={"orders_per_business_day": orders_per_day})
    return scenario.model_copy(update={"demand": demand})


LEVELS = {"x1": _at(60), "x3": _at(180)}


@pytest.fixture(scope="module")
def swept() -> SweepResult:
    return sweep(LEVELS, replications=N, seed=SEED, workers=2, keep_history=["x3"])


def test_every_level_runs_the_same_seeds_and_more_load_means_more_orders(
    swept: SweepResult,
) -> None:
    tidy = swept.tidy
    assert tuple(tidy.columns) == SWEEP_COLUMNS
    assert swept.levels == ["x1", "x3"]
    kpis = list(dict.fromkeys(tidy["kpi"]))
    assert len(tidy) == 2 * N * len(kpis)
    assert "pick_queue_wait_p95_s" in kpis
    for label in swept.levels:
        assert [r.seed for r in swept.replications[label]] == [
            replication_seed(SEED, i) for i in range(N)
        ]
    accepted = swept.intervals(["orders_accepted"])["mean"]
    assert accepted["x3", "orders_accepted"] > 2 * accepted["x1", "orders_accepted"]
    # replication 0 of a level is that level's scenario run on its own with the same seed
    alone = execute(LEVELS["x1"], replication_seed(SEED, 0))
    assert alone.history_hash == swept.replications["x1"][0].history_hash


def test_sla_verdicts_per_level_read_like_a_comparisons(swept: SweepResult) -> None:
    assert set(swept.sla) == {"x1", "x3"}
    assert all(set(verdicts) == set(SLAS) for verdicts in swept.sla.values())
    table = sla_table(swept.sla)  # levels stand where a comparison has patterns
    assert set(table["pattern"]) == {"x1", "x3"} and len(table) == 2 * len(SLAS)
    assert all(v.n == N for verdicts in swept.sla.values() for v in verdicts.values())
    passes = swept.single_run_passes()
    assert list(passes.index) == ["x1", "x3"] and (passes["runs"] == N).all()
    for metric in SLAS:
        assert passes[metric].between(0, N).all()
    cells = swept.intervals(["orders_accepted", "sla.order_creation_latency"])
    assert list(cells.columns) == ["mean", "half_width", "low", "high", "n"]
    assert (cells["n"] == N).all() and math.isfinite(cells.loc[("x1", "orders_accepted"), "low"])


def test_only_the_levels_asked_for_keep_their_runs(swept: SweepResult) -> None:
    assert all(r.result is None for r in swept.replications["x1"])
    kept = swept.replications["x3"][1].result
    assert kept is not None and kept.history_hash == swept.replications["x3"][1].history_hash
    with pytest.raises(ValueError, match="keep_history"):
        results_by_pattern(swept.replications)


def test_bad_sweeps_say_what_to_change() -> None:
    with pytest.raises(ValueError, match="at least one level"):
        sweep({}, replications=2)
    with pytest.raises(ValueError, match="at least 2 replications"):
        sweep(LEVELS, replications=1)
    with pytest.raises(ValueError, match=r"\['x9'\]"):
        sweep(LEVELS, replications=2, keep_history=["x9"])
    empty = SweepResult(pd.DataFrame(columns=list(SWEEP_COLUMNS)), {}, {"x1": []})
    with pytest.raises(KeyError, match="no_such_kpi"):
        empty.intervals(["no_such_kpi"])


def test_the_notebook_entry_point_runs_every_level() -> None:
    result = sweep_with_progress({"a": _at(30), "b": _at(60)}, 2, enabled=False, seed=SEED)
    assert result.levels == ["a", "b"]
    assert set(result.tidy["replication"]) == {0, 1}
