"""Replications: the same results in-process and on worker processes; replication i alone."""

from __future__ import annotations

import pickle

import pytest

from sim.replications import (
    Replication,
    ReplicationTask,
    replication_seed,
    run_replications,
    run_tasks,
)
from sim.run import execute
from tests.compare.support import tiny
from tests.helpers import assert_same_data

SEED = 41
SCENARIO = tiny()


@pytest.fixture(scope="module")
def in_process() -> list[Replication]:
    return run_replications(SCENARIO, 3, seed=SEED, workers=1)


@pytest.fixture(scope="module")
def in_workers() -> list[Replication]:
    return run_replications(SCENARIO, 3, seed=SEED, workers=2)


def test_results_do_not_depend_on_the_number_of_workers(
    in_process: list[Replication], in_workers: list[Replication]
) -> None:
    assert [r.index for r in in_workers] == [0, 1, 2]
    for local, remote in zip(in_process, in_workers, strict=True):
        assert remote.seed == local.seed == replication_seed(SEED, local.index)
        assert remote.history_hash == local.history_hash
        assert (remote.demand_hash, remote.timeline_hash) == (
            local.demand_hash,
            local.timeline_hash,
        )
        assert_same_data(remote.statistics, local.statistics)
        assert_same_data(remote.metrics, local.metrics)
    # and the replications are not copies of one another
    assert len({r.history_hash for r in in_process}) == 3
    assert len({r.demand_hash for r in in_process}) == 3


def test_replication_i_is_the_run_with_its_seed(in_process: list[Replication]) -> None:
    alone = execute(SCENARIO, replication_seed(SEED, 1))
    assert alone.history_hash == in_process[1].history_hash
    assert alone.history_hash != execute(SCENARIO, SEED).history_hash


def test_the_number_of_replications_does_not_change_one(in_process: list[Replication]) -> None:
    two = run_replications(SCENARIO, 2, seed=SEED)
    assert [r.history_hash for r in two] == [r.history_hash for r in in_process[:2]]


def test_the_study_seed_defaults_to_the_scenarios(in_process: list[Replication]) -> None:
    (first,) = run_replications(SCENARIO, 1)
    assert first.study_seed == SCENARIO.seed
    assert first.seed == replication_seed(SCENARIO.seed, 0)


def test_histories_travel_back_only_when_asked(in_process: list[Replication]) -> None:
    assert all(r.result is None for r in in_process)
    (kept,) = run_tasks([ReplicationTask(SCENARIO, SEED, 2, keep_history=True)], workers=1)
    assert kept.result is not None
    assert kept.result.history_hash == in_process[2].history_hash
    # without it, what a worker sends back is a small fraction of the history
    assert len(pickle.dumps(in_process[2])) < len(pickle.dumps(kept.result.history)) / 4


def test_statistics_are_the_runs_figures(in_process: list[Replication]) -> None:
    for rep in in_process:
        m, s = rep.metrics, rep.statistics
        assert s["orders_accepted"] == m["volume"]["orders_accepted"] > 20
        p95 = m["latency_s"]["order_creation_latency"]["p95"]
        assert s["order_creation_latency_p95_s"] == p95
        calls = m["delivery_health"]["calls"]["by_system"]["erp"]
        assert s["calls_per_order.erp"] == pytest.approx(calls["calls_per_order"])
        assert s["sla.validation_latency"] == m["sla"]["validation_latency"]["observed_s"]
        assert (s["orders_lost"], s["duplicates"]) == (0.0, 0.0)


def test_a_failing_replication_stops_the_study() -> None:
    broken = SCENARIO.model_copy(
        update={"integration": SCENARIO.integration.model_copy(update={"pattern": "nope:X"})}
    )
    with pytest.raises(KeyError, match="cannot import module 'nope'"):
        run_replications(broken, 3, seed=SEED, workers=2)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_tasks([], workers=0)
    with pytest.raises(ValueError, match="at least one replication"):
        run_replications(SCENARIO, 0)
