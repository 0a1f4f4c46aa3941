"""A history that spills to Parquet parts reads, hashes, pickles and writes as one kept whole."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine import History
from sim.report.files import json_ready
from sim.run import RunResult, execute
from sim.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
SMALL = ["demand_days=1", "drain_days=1", "demand.orders_per_business_day=300"]
BUDGET = 1000
CHECK_S = 600.0


def _fill(history: History, start: int, rows: int) -> None:
    ok, other = history.status_code("ok"), history.status_code("late")
    for i in range(start, start + rows):
        history.record(
            float(i),
            history.event_code(f"e{i % 7}"),
            history.actor_code(f"a{i % 3}"),
            i,
            -1 if i % 4 else i // 4,
            ok if i % 2 else other,
            i / 3 if i % 5 else math.nan,
            float(i % 11),
        )


def _pair() -> tuple[History, History]:
    """The same 10,000 rows, kept whole and spilled in seven parts."""
    whole, spilled = History(), History()
    _fill(whole, 0, 10_000)
    for part in range(7):
        _fill(spilled, part * 1000, 1000)
        assert spilled.spill_if_over(500)
    _fill(spilled, 7000, 3000)
    return whole, spilled


def test_a_spilled_history_reads_and_hashes_as_the_whole_one(tmp_path: Path) -> None:
    whole, spilled = _pair()
    assert (spilled.spills, spilled.spilled_rows, spilled.rows_in_memory) == (7, 7000, 3000)
    assert len(spilled) == len(whole) == 10_000
    assert spilled.content_hash() == whole.content_hash()
    a, b = whole.columns(), spilled.columns()
    assert all(np.array_equal(a[name], b[name], equal_nan=True) for name in a)
    assert all(a[name].dtype == b[name].dtype for name in a)
    assert set(spilled.columns(["order", "time"])) == {"order", "time"}
    assert np.array_equal(spilled.columns(["order"])["order"], a["order"])
    whole.write_parquet(tmp_path / "whole.parquet")
    spilled.write_parquet(tmp_path / "spilled.parquet")
    frames = [pd.read_parquet(tmp_path / f"{n}.parquet") for n in ("whole", "spilled")]
    assert frames[0].equals(frames[1])
    assert frames[0].equals(whole.to_arrow().to_pandas())  # type: ignore[attr-defined]
    assert repr(spilled.select("e3")) == repr(whole.select("e3"))


def test_a_changed_row_in_a_spilled_part_changes_the_hash() -> None:
    whole, _ = _pair()
    other = History()
    for part in range(7):
        _fill(other, part * 1000, 1000)
        other.spill_if_over(500)
    _fill(other, 7000, 2999)
    other.record(1.0, other.event_code("e0"), other.actor_code("a0"))
    assert other.content_hash() != whole.content_hash()


def test_a_spilled_history_pickles_whole() -> None:
    whole, spilled = _pair()
    copy = pickle.loads(pickle.dumps(spilled))
    assert copy.spilled_rows == 0 and len(copy) == 10_000
    assert copy.content_hash() == whole.content_hash()


def test_spilling_under_a_live_view_fails_loudly() -> None:
    history = History()
    _fill(history, 0, 100)
    view = history.columns()["time"]
    with pytest.raises(BufferError, match="numpy view"):
        history.spill()
    del view


def test_unknown_columns_are_refused() -> None:
    with pytest.raises(KeyError, match="unknown history column"):
        History().columns(["when"])


def test_the_parts_are_removed_with_the_history(tmp_path: Path) -> None:
    _, spilled = _pair()
    folder = spilled._spill.folder
    assert folder is not None and len(list(folder.iterdir())) == 7
    del spilled
    import gc

    gc.collect()
    assert not folder.exists()


def _run(budget: int | None, *extra: str) -> RunResult:
    overrides = [*SMALL, f"memory.history_budget_rows={budget if budget else 'null'}"]
    overrides.append(f"memory.history_check_s={CHECK_S}")
    return execute(load_scenario(BASELINE, [*overrides, *extra]))


def _most_rows_in_one_check(result: RunResult) -> int:
    times = result.history.columns(["time"])["time"]
    edges = np.arange(0.0, result.horizon_s + CHECK_S, CHECK_S)
    return int(np.histogram(times, bins=edges)[0].max())


@pytest.fixture(scope="module")
def runs() -> tuple[RunResult, RunResult]:
    return _run(None), _run(BUDGET)


def test_a_run_that_spills_has_the_same_history_metrics_and_verdicts(
    runs: tuple[RunResult, RunResult],
) -> None:
    kept, spilled = runs
    assert spilled.history.spills >= 5
    assert spilled.history_hash == kept.history_hash
    assert json.dumps(json_ready(spilled.metrics), sort_keys=True) == json.dumps(
        json_ready(kept.metrics), sort_keys=True
    )
    assert {n: v.to_dict() for n, v in spilled.invariants.items()} == {
        n: v.to_dict() for n, v in kept.invariants.items()
    }


def test_the_rows_in_memory_stay_within_the_budget(runs: tuple[RunResult, RunResult]) -> None:
    kept, spilled = runs
    bound = BUDGET + _most_rows_in_one_check(spilled)
    assert spilled.history.peak_rows_in_memory <= bound < len(spilled.history) * 0.6
    # the same check on the run without a budget (the spill switched off) fails
    assert kept.history.peak_rows_in_memory == len(kept.history) > bound
