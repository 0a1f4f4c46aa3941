"""The collector's pace during a run, and that the caller's setting comes back."""

from __future__ import annotations

import gc

import pytest

from sim.collector import YOUNG_THRESHOLD, simulation_collector


def test_a_run_collects_less_often_and_restores_the_setting() -> None:
    before = gc.get_threshold()
    with simulation_collector():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_the_setting_comes_back_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), simulation_collector(young=5_000):
        assert gc.get_threshold()[0] == 5_000
        raise RuntimeError("a run that failed")
    assert gc.get_threshold() == before
