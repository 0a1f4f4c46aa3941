"""A run pickles faithfully: replications execute in worker processes and send back their
:class:`~sim.run.RunResult`, so its history, metrics, scenario and fault timeline must come
back through pickle unchanged and stay usable by metrics, checkers and the Parquet writer."""

from __future__ import annotations

import io
import math
import multiprocessing
import pickle
from array import array
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.checks import run_all
from sim.delivery_health import endpoint_limits
from sim.engine import COLUMNS, History, Vocabulary
from sim.metrics import compute_metrics
from sim.report.files import write_outputs
from sim.run import RunResult, execute
from sim.scenario import Scenario, load_scenario
from tests.helpers import assert_same_data

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["demand_days=1", "drain_days=1", "demand.orders_per_business_day=100"]
"""A one-day world: about 13,000 history rows, half a second to run."""


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """A small scenario with faults, so the timeline has windows to carry."""
    return load_scenario(ROOT / "scenarios" / "bad_monday.yaml", SMALL)


@pytest.fixture(scope="module")
def result(scenario: Scenario) -> RunResult:
    return execute(scenario)


@pytest.fixture(scope="module")
def copied(result: RunResult) -> RunResult:
    return pickle.loads(pickle.dumps(result))


def test_history_comes_back_column_for_column(result: RunResult, copied: RunResult) -> None:
    original, history = result.history, copied.history
    assert history is not original
    assert len(history) == len(original) > 1000
    assert copied.history_hash == result.history_hash
    for name in ("events", "actors", "statuses"):
        assert getattr(history, name).names == getattr(original, name).names
    before, after = original.columns(), history.columns()
    assert list(after) == [name for name, _, _ in COLUMNS] == list(before)
    for name, column in before.items():
        assert after[name].dtype == column.dtype, name
        # bit for bit, NaNs included
        assert after[name].tobytes() == column.tobytes(), name
        assert not np.shares_memory(after[name], column), name
    assert history.select("run.ended") == original.select("run.ended") != []


def test_metrics_survive_and_recompute_the_same(result: RunResult, copied: RunResult) -> None:
    assert_same_data(copied.metrics, result.metrics)
    limits = endpoint_limits(copied.scenario, copied.timeline, copied.horizon_s)

    def metrics(history: History) -> dict[str, Any]:
        return compute_metrics(history, copied.horizon_s, copied.scenario.slas, 1, limits)

    assert_same_data(metrics(copied.history), metrics(result.history))


def test_checkers_give_the_same_verdicts(result: RunResult, copied: RunResult) -> None:
    before, after = run_all(result.history), run_all(copied.history)
    assert list(after) == list(before)
    for name in before:
        assert_same_data(after[name].to_dict(), before[name].to_dict(), name)


def test_scenario_timeline_and_facts_survive(result: RunResult, copied: RunResult) -> None:
    assert copied.scenario == result.scenario
    assert copied.scenario.model_dump(mode="json") == result.scenario.model_dump(mode="json")
    assert len(result.timeline) > 0
    assert copied.timeline == result.timeline
    assert (copied.seed, copied.horizon_s, copied.wall_seconds) == (
        result.seed,
        result.horizon_s,
        result.wall_seconds,
    )
    assert copied.sla_passed == result.sla_passed


def test_outputs_written_from_a_copy_are_the_same(
    result: RunResult, copied: RunResult, tmp_path: Path
) -> None:
    before = write_outputs(result, tmp_path / "original")
    after = write_outputs(copied, tmp_path / "copied")
    assert len(pq.read_table(after["history"])) == len(copied.history)
    for name in ("history", "metrics", "run"):
        assert after[name].read_bytes() == before[name].read_bytes(), name


def test_a_copy_records_into_its_own_columns(result: RunResult) -> None:
    original = result.history
    history: History = pickle.loads(pickle.dumps(original))
    rows = len(original)
    known = original.event_code("run.ended")
    assert history.event_code("run.ended") == known
    fresh = history.event_code("test.appended")
    assert fresh == len(original.events)
    history.record(1.5, fresh, history.actor_code("test"), 7, status=history.status_code("ok"))
    assert (len(history), len(original)) == (rows + 1, rows)
    assert original.events.find("test.appended") is None
    (row,) = history.select("test.appended")
    assert row["actor"] == "test" and row["order"] == 7 and row["status"] == "ok"
    assert math.isnan(row["value"]) and row["subject"] == -1


class _Globals(pickle.Unpickler):
    """An unpickler that notes every global (class or function) a pickle names."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.found: set[tuple[str, str]] = set()

    def find_class(self, module: str, name: str) -> Any:
        self.found.add((module, name))
        return super().find_class(module, name)


def test_a_pickled_history_is_its_data_only(result: RunResult) -> None:
    history = result.history
    data = pickle.dumps(history)
    reader = _Globals(data)
    reader.load()
    assert reader.found <= {
        ("sim.engine.history", "History"),
        ("sim.engine.vocabulary", "Vocabulary"),
        ("array", "array"),
        ("array", "_array_reconstructor"),
    }
    # the columns travel as raw buffers: 38 bytes a row, no spare capacity, no per-item cost
    payload = sum(len(buf) * buf.itemsize for buf in history.__getstate__()["columns"].values())
    assert payload == 38 * len(history)
    names = sum(len(n) for v in (history.events, history.actors, history.statuses) for n in v.names)
    assert len(data) < payload + 4 * names + 4096


def test_vocabulary_round_trips() -> None:
    vocabulary = Vocabulary(["", "a", "b"])
    copy: Vocabulary = pickle.loads(pickle.dumps(vocabulary))
    assert copy.names == ["", "a", "b"]
    assert (copy.code("b"), copy.find("a"), copy.code("c")) == (2, 1, 3)
    assert len(vocabulary) == 3
    with pytest.raises(ValueError, match="repeats"):
        Vocabulary.__new__(Vocabulary).__setstate__(["a", "a"])


@pytest.mark.parametrize(
    "damage",
    ["short column", "missing column", "wrong typecode", "list for array"],
)
def test_a_damaged_history_state_is_refused(damage: str) -> None:
    history = History()
    history.record(0.0, history.event_code("e"), history.actor_code("a"))
    history.record(1.0, history.event_code("e"), history.actor_code("a"))
    state = history.__getstate__()
    columns = dict(state["columns"])
    if damage == "short column":
        columns["order"] = columns["order"][:1]
    elif damage == "missing column":
        del columns["value2"]
    elif damage == "wrong typecode":
        columns["event"] = array("i", columns["event"])
    else:
        columns["time"] = list(columns["time"])
    with pytest.raises(ValueError, match="pickled history"):
        History.__new__(History).__setstate__({**state, "columns": columns})


def test_a_spawned_worker_returns_the_same_run(scenario: Scenario, result: RunResult) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        remote = pool.submit(execute, scenario, result.seed).result(timeout=120)
    assert isinstance(remote, RunResult)
    assert remote.history_hash == result.history_hash
    assert_same_data(remote.metrics, result.metrics)
    assert remote.scenario == scenario
    assert remote.timeline == result.timeline
