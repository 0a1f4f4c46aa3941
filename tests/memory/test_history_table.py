"""A spilled history answers metrics' and checkers' questions as the whole one, event by event."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import History
from sim.engine.history_by_event import RowsByEvent
from sim.engine.history_stored import StoredHistory
from sim.history_frame import event_counts, history_frame, rows, rows_at
from sim.history_table import HistoryTable

EVENTS = 9


def _fill(history: History, start: int, count: int, seed: int = 0) -> None:
    """``count`` rows of skewed event types (event 0 is rare, event 8 common)."""
    draws = np.random.default_rng(seed + start)
    kinds = np.minimum(draws.geometric(0.5, size=count) - 1, EVENTS - 1)
    ok, late = history.status_code("ok"), history.status_code("late")
    for i, kind in zip(range(start, start + count), (EVENTS - 1 - kinds).tolist(), strict=True):
        history.record(
            float(i) / 7,
            history.event_code(f"e{kind}"),
            history.actor_code(f"a{i % 3}"),
            i % 50,
            -1 if i % 4 else i // 4,
            ok if i % 2 else late,
            i / 3 if i % 5 else math.nan,
            float(i % 11),
        )


def _pair(parts: int = 6, part_rows: int = 700, tail: int = 300) -> tuple[History, History]:
    """The same rows, kept whole and spilled in ``parts`` parts plus a tail in memory."""
    whole, spilled = History(), History()
    for history in (whole, spilled):
        for name in (f"e{k}" for k in range(EVENTS)):
            history.event_code(name)
    for part in range(parts):
        _fill(whole, part * part_rows, part_rows)
        _fill(spilled, part * part_rows, part_rows)
        spilled.spill()
    _fill(whole, parts * part_rows, tail)
    _fill(spilled, parts * part_rows, tail)
    return whole, spilled


@pytest.fixture(scope="module")
def pair() -> tuple[History, History]:
    return _pair()


def test_a_spilled_history_is_read_by_event_not_as_a_frame(pair: tuple[History, History]) -> None:
    _, spilled = pair
    table = HistoryTable(spilled)
    assert table._frame is None  # the spilled history never becomes one frame
    table.select("e3")
    assert table._grouped is not None and len(table._grouped) == len(spilled)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([f"e{k}" for k in range(EVENTS)] + ["never"]), max_size=4))
def test_every_selection_equals_the_whole_frames(events: list[str]) -> None:
    whole, spilled = _PAIR
    frame = history_frame(whole)
    expected = frame[frame["event"].isin(events)]
    pd.testing.assert_frame_equal(HistoryTable(spilled).select(*events), expected)
    pd.testing.assert_frame_equal(HistoryTable(whole).select(*events), expected)
    pd.testing.assert_frame_equal(rows(HistoryTable(spilled), *events), rows(frame, *events))


_PAIR = _pair(parts=4, part_rows=300, tail=120)


def test_rows_by_position_counts_and_warmup_match_the_whole_frame(
    pair: tuple[History, History],
) -> None:
    whole, spilled = pair
    frame, table = history_frame(whole), HistoryTable(spilled)
    picked = np.array([len(whole) - 1, 0, 701, 3456, 12])
    pd.testing.assert_frame_equal(rows_at(table, picked), frame.loc[picked])
    assert event_counts(table) == event_counts(frame)
    early = [3, 7, 11]
    kept = frame[~frame["order"].isin(early)]
    dropped = table.without_orders(early)
    pd.testing.assert_frame_equal(dropped.select("e8", "e1"), rows(kept, "e8", "e1"))
    assert event_counts(dropped) == event_counts(kept)
    # the warm-up is the dropped table's alone
    assert len(table.select("e8")) == len(rows(frame, "e8"))


def test_the_grouped_file_holds_each_event_contiguously_in_row_order(
    pair: tuple[History, History], tmp_path: object
) -> None:
    _, spilled = pair
    assert spilled.spill_folder is not None
    grouped = RowsByEvent(spilled, spilled.spill_folder / "check")
    events = spilled.columns(["event"])["event"]
    assert grouped.counts().tolist() == np.bincount(events, minlength=EVENTS).tolist()
    for code in range(EVENTS):
        columns = grouped.read([code])
        assert (columns["event"] == code).all()
        assert np.array_equal(columns["position"], np.flatnonzero(events == code))


def test_a_selection_holds_only_its_rows_in_memory() -> None:
    whole, spilled = _pair(parts=8, part_rows=5000, tail=0)
    table = HistoryTable(spilled)
    table.select("e0")  # group once; what follows is a question alone
    rare = len(table.select("e0"))
    assert 0 < rare < len(spilled) / 50
    tracemalloc.start()
    try:
        table.select("e0")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    whole_bytes = len(spilled) * 38
    # the rare event's rows and a frame around them: far below one copy of every row
    assert peak < whole_bytes / 10
    tracemalloc.start()
    try:
        history_frame(whole)["event"].isin(["e0"])
        _, whole_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert whole_peak > whole_bytes / 2  # the check above could fail: a frame costs this


@pytest.mark.parametrize("kept", [True, False], ids=["kept-whole", "spilled"])
def test_a_history_read_back_from_parquet_answers_as_the_live_one(
    pair: tuple[History, History], kept: bool, tmp_path: Path
) -> None:
    whole, spilled = pair
    live = whole if kept else spilled
    live.write_parquet(tmp_path / "history.parquet")
    stored = StoredHistory(tmp_path / "history.parquet")
    assert len(stored) == len(live)
    table, frame = HistoryTable(stored), history_frame(whole)
    for events in (["e0"], ["e8", "e2"], ["never"]):
        pd.testing.assert_frame_equal(table.select(*events), rows(frame, *events))
    assert event_counts(table) == event_counts(frame)
    picked = np.array([3, len(whole) - 2])
    pd.testing.assert_frame_equal(rows_at(table, picked), frame.loc[picked])


def test_a_frame_with_plain_name_columns_is_read_as_the_categorical_one(
    pair: tuple[History, History],
) -> None:
    whole, _ = pair
    frame = history_frame(whole)
    plain = frame.astype({name: str for name in ("event", "actor", "status")})
    selected = HistoryTable(plain).select("e1", "e4")
    expected = rows(frame, "e1", "e4")
    assert selected.index.equals(expected.index)
    for name in ("event", "actor", "status"):
        assert selected[name].astype(str).tolist() == expected[name].astype(str).tolist()


def test_a_history_that_recorded_more_rows_is_regrouped() -> None:
    whole, spilled = _pair(parts=2, part_rows=200, tail=50)
    before = len(HistoryTable(spilled).select("e8"))
    _fill(whole, 450, 300)
    _fill(spilled, 450, 300)
    spilled.spill()
    after = HistoryTable(spilled).select("e8")
    pd.testing.assert_frame_equal(after, rows(history_frame(whole), "e8"))
    assert len(after) > before
