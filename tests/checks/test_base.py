from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from sim.checks import CHECKERS, Check, Verdict, as_frame, run_all, run_end
from sim.checks.base import witness
from sim.engine import History
from sim.history_frame import history_frame
from tests.checks.support import bus_world, order_world, run_ended, write


def test_the_registry_holds_every_single_history_check() -> None:
    assert set(CHECKERS) == {check.value for check in Check} - {"determinism"}
    verdicts = run_all(write(order_world() + bus_world()[:-1]))
    assert set(verdicts) == set(CHECKERS)
    assert all(v.valid for v in verdicts.values()), {k: v.witness for k, v in verdicts.items()}
    assert all(v.name == name for name, v in verdicts.items())


def test_a_verdict_is_json_ready() -> None:
    verdict = Verdict("x", False, {"n": 1}, witness(history_frame(write(order_world())), [2]))
    encoded = json.loads(json.dumps(verdict.to_dict()))
    assert encoded["witness"][0]["correlation_id"] == "O00000001"
    assert encoded["witness"][0]["value2"] == 10.0
    assert encoded == verdict.to_dict()
    with pytest.raises(AttributeError):
        verdict.valid = True  # type: ignore[misc]


def test_witness_rows_are_decoded_and_nan_is_none() -> None:
    [opening] = witness(history_frame(write(order_world())), [0, 0])
    assert opening == {
        "row": 0,
        "time": 0.0,
        "event": "erp.stock_opening",
        "actor": "erp",
        "order": -1,
        "subject": 501,
        "status": "NJ01",
        "value": 12.0,
        "value2": None,
    }


def test_as_frame_accepts_a_plain_frame() -> None:
    frame = history_frame(write(order_world()))
    plain = frame.astype({"event": str, "actor": str, "status": str})[::-1]
    plain = plain.iloc[::-1].set_index(pd.Index(range(5, 5 + len(plain))))
    converted = as_frame(plain)
    assert isinstance(converted.index, pd.RangeIndex)
    assert isinstance(converted["event"].dtype, pd.CategoricalDtype)
    assert converted.astype({"event": str}).equals(frame.astype({"event": str}))
    assert as_frame(frame) is frame
    with pytest.raises(ValueError, match="columns"):
        as_frame(frame.drop(columns="value2"))


def test_the_run_end_decides_quiescence() -> None:
    assert not run_end(history_frame(write(order_world(quiescent=False)))).present
    end = run_end(history_frame(write([run_ended(5, 0, 0)])))
    assert end.present and end.quiescent
    busy = run_end(history_frame(write([run_ended(5, 0, 3)])))
    assert not busy.quiescent and busy.pending == 3
    unknown = run_end(history_frame(write([run_ended(5, math.nan, 0)])))
    assert not unknown.quiescent and unknown.in_flight == -1


def test_an_empty_history_breaks_nothing() -> None:
    verdicts = run_all(History())
    assert all(v.valid for v in verdicts.values())
    assert verdicts["convergence"].note == "not quiescent: convergence not judged"
