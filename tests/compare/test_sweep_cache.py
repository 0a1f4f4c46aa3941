"""The task cache: a sweep run again runs only the tasks it has no finished entry for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.compare import grid_sweep
from sim.compare.cache import TaskCache, scenario_hash
from sim.compare.points import PointsResult
from sim.replications import ReplicationTask
from tests.compare.sweep_support import small

SEED = 5
GRID = {"demand.orders_per_business_day": [20, 40]}
N = 3


@pytest.fixture(scope="module")
def fresh() -> PointsResult:
    return grid_sweep(small(), GRID, replications=N, seed=SEED)


def test_a_rerun_runs_only_the_missing_tasks_and_gives_the_same_table(
    fresh: PointsResult, tmp_path: Path
) -> None:
    first = grid_sweep(small(), GRID, replications=N, seed=SEED, cache=tmp_path)
    assert (first.ran, first.cached) == (6, 0)
    entries = sorted(tmp_path.glob("*.json"))
    assert len(entries) == 6
    # an interruption: two finished tasks never reached the cache, one entry was cut short
    entries[0].unlink()
    entries[1].unlink()
    entries[2].write_text(entries[2].read_text()[:40])
    again = grid_sweep(small(), GRID, replications=N, seed=SEED, cache=tmp_path)
    assert (again.ran, again.cached) == (3, 3)
    for result in (first, again):
        assert result.tidy.equals(fresh.tidy)
        assert result.verdicts.equals(fresh.verdicts)
    # the entries are whole again and the third run runs nothing
    third = grid_sweep(small(), GRID, replications=N, seed=SEED, cache=tmp_path)
    assert (third.ran, third.cached) == (0, 6) and third.tidy.equals(fresh.tidy)
    assert not list(tmp_path.glob("*.tmp"))


def test_without_a_cache_every_task_runs_again(fresh: PointsResult, tmp_path: Path) -> None:
    grid_sweep(small(), GRID, replications=N, seed=SEED, cache=tmp_path)
    uncached = grid_sweep(small(), GRID, replications=N, seed=SEED, cache=None)
    assert (uncached.ran, uncached.cached) == (6, 0)
    assert uncached.tidy.equals(fresh.tidy)


def test_the_key_changes_with_the_scenario_the_seed_and_the_fault_free_run(
    tmp_path: Path,
) -> None:
    cache = TaskCache(tmp_path)
    base = ReplicationTask(small(), SEED, 0)
    more = small().model_copy(
        update={"demand": small().demand.model_copy(update={"orders_per_business_day": 31})}
    )
    keys = {
        cache.key(base),
        cache.key(ReplicationTask(small(), SEED, 1)),
        cache.key(ReplicationTask(small(), SEED + 1, 0)),
        cache.key(ReplicationTask(more, SEED, 0)),
        cache.key(ReplicationTask(small(), SEED, 0, against_fault_free=True)),
    }
    assert len(keys) == 5
    assert cache.key(ReplicationTask(small(), SEED, 0)) == cache.key(base)
    assert scenario_hash(small()) != scenario_hash(more)
    # tasks that want their history or invariant verdicts back are never looked up
    assert not TaskCache.cacheable(ReplicationTask(small(), SEED, 0, keep_history=True))
    assert not TaskCache.cacheable(ReplicationTask(small(), SEED, 0, check_invariants=True))


def test_an_entry_names_its_scenario_and_seed(tmp_path: Path) -> None:
    grid_sweep(
        small(), {"demand.orders_per_business_day": [20]}, replications=2, seed=SEED, cache=tmp_path
    )
    entries = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))]
    scenario = small().model_copy(
        update={"demand": small().demand.model_copy(update={"orders_per_business_day": 20})}
    )
    assert {e["scenario_sha256"] for e in entries} == {scenario_hash(scenario)}
    assert sorted(e["seed"] for e in entries) == sorted(
        ReplicationTask(scenario, SEED, i).seed for i in range(2)
    )
